# Tiny GPT-2 and LLaMA written out in PyTorch from the papers' definitions (Debian has no
# `transformers`), with weights in Hugging Face's names and layouts. Called by make_reference.py,
# which passes itself as `ref` for its safetensors writer and the RoPE / attention definitions.
#
# Writes golden/models/<name>/ (config.json + safetensors, as a Hugging Face directory) and
# golden/<name>_reference.safetensors: the batch, logits, loss, every parameter gradient, and the
# losses of 10 AdamW steps with clipping.
import json
import math
import os

import torch
import torch.nn.functional as F

GPT2 = dict(model_type="gpt2", vocab_size=101, n_positions=37, n_ctx=37, n_embd=36, n_layer=2, n_head=3,
            n_inner=144, activation_function="gelu_new", layer_norm_epsilon=1e-5, tie_word_embeddings=True)
LLAMA = dict(model_type="llama", vocab_size=101, hidden_size=48, intermediate_size=97, num_hidden_layers=2,
             num_attention_heads=4, num_key_value_heads=2, head_dim=12, max_position_embeddings=64,
             rms_norm_eps=1e-6, rope_theta=10000.0, tie_word_embeddings=False, hidden_act="silu")
ADAMW = dict(lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, max_grad_norm=1.0, steps=10)


# ---- parameters in Hugging Face layout ---------------------------------------------------------


def gpt2_shapes(c):
    C, V, P, I = c["n_embd"], c["vocab_size"], c["n_positions"], c["n_inner"]
    s = {"transformer.wte.weight": (V, C), "transformer.wpe.weight": (P, C)}
    for i in range(c["n_layer"]):
        h = f"transformer.h.{i}."
        s.update({h + "ln_1.weight": (C,), h + "ln_1.bias": (C,),
                  h + "attn.c_attn.weight": (C, 3 * C), h + "attn.c_attn.bias": (3 * C,),   # Conv1D: (In, Out)
                  h + "attn.c_proj.weight": (C, C), h + "attn.c_proj.bias": (C,),
                  h + "ln_2.weight": (C,), h + "ln_2.bias": (C,),
                  h + "mlp.c_fc.weight": (C, I), h + "mlp.c_fc.bias": (I,),
                  h + "mlp.c_proj.weight": (I, C), h + "mlp.c_proj.bias": (C,)})
    s.update({"transformer.ln_f.weight": (C,), "transformer.ln_f.bias": (C,)})
    return s


def llama_shapes(c):
    C, V, I, D = c["hidden_size"], c["vocab_size"], c["intermediate_size"], c["head_dim"]
    hq, hkv = c["num_attention_heads"], c["num_key_value_heads"]
    s = {"model.embed_tokens.weight": (V, C)}
    for i in range(c["num_hidden_layers"]):
        l = f"model.layers.{i}."
        s.update({l + "input_layernorm.weight": (C,),
                  l + "self_attn.q_proj.weight": (hq * D, C), l + "self_attn.k_proj.weight": (hkv * D, C),
                  l + "self_attn.v_proj.weight": (hkv * D, C), l + "self_attn.o_proj.weight": (C, hq * D),
                  l + "post_attention_layernorm.weight": (C,),
                  l + "mlp.gate_proj.weight": (I, C), l + "mlp.up_proj.weight": (I, C), l + "mlp.down_proj.weight": (C, I)})
    s["model.norm.weight"] = (C,)
    if not c["tie_word_embeddings"]:
        s["lm_head.weight"] = (V, C)
    return s


def init_params(shapes):
    """Random weights large enough that every op matters: norms near 1, biases and matrices ~0.1-0.2."""
    p = {}
    for name, shape in shapes.items():
        if "ln_" in name or "norm" in name:
            t = 1.0 + 0.1 * torch.randn(shape) if name.endswith("weight") else 0.1 * torch.randn(shape)
        elif name.endswith("bias"):
            t = 0.1 * torch.randn(shape)
        else:
            t = 0.15 * torch.randn(shape)
        p[name] = t.float().requires_grad_(True)
    return p


# ---- forward passes ----------------------------------------------------------------------------


def gpt2_forward(ref, p, c, ids):
    _, final = gpt2_hidden(ref, p, c, ids)
    return final @ p["transformer.wte.weight"].T                               # tied head


def gpt2_hidden(ref, p, c, ids):
    """Hidden states as Distill's CausalLmOutput: [embeddings, after block 1, ...] and the final-norm output."""
    B, T = ids.shape
    C, H = c["n_embd"], c["n_head"]
    D, eps = C // H, c["layer_norm_epsilon"]
    x = p["transformer.wte.weight"][ids] + p["transformer.wpe.weight"][torch.arange(T)]
    hidden = [x]
    for i in range(c["n_layer"]):
        h = f"transformer.h.{i}."
        a = F.layer_norm(x, (C,), p[h + "ln_1.weight"], p[h + "ln_1.bias"], eps)
        qkv = a @ p[h + "attn.c_attn.weight"] + p[h + "attn.c_attn.bias"]
        q, k, v = (t.reshape(B, T, H, D) for t in qkv.split(C, dim=-1))
        att = ref.causal_attention(q, k, v, 1.0 / math.sqrt(D)).reshape(B, T, C)
        x = x + att @ p[h + "attn.c_proj.weight"] + p[h + "attn.c_proj.bias"]
        m = F.layer_norm(x, (C,), p[h + "ln_2.weight"], p[h + "ln_2.bias"], eps)
        m = F.gelu(m @ p[h + "mlp.c_fc.weight"] + p[h + "mlp.c_fc.bias"], approximate="tanh")
        x = x + m @ p[h + "mlp.c_proj.weight"] + p[h + "mlp.c_proj.bias"]
        hidden.append(x)
    return hidden, F.layer_norm(x, (C,), p["transformer.ln_f.weight"], p["transformer.ln_f.bias"], eps)


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def llama_forward(ref, p, c, ids):
    B, T = ids.shape
    hq, hkv, D, eps = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"], c["rms_norm_eps"]
    cos, sin = ref.rope_tables(T, D, c["rope_theta"])
    cos2 = torch.cat((cos, cos), -1)[None, :, None, :]                         # (1, T, 1, D)
    sin2 = torch.cat((sin, sin), -1)[None, :, None, :]
    rope = lambda t: t * cos2 + ref.rotate_half(t) * sin2
    x = p["model.embed_tokens.weight"][ids]
    for i in range(c["num_hidden_layers"]):
        l = f"model.layers.{i}."
        h = rms_norm(x, p[l + "input_layernorm.weight"], eps)
        q = rope((h @ p[l + "self_attn.q_proj.weight"].T).reshape(B, T, hq, D))
        k = rope((h @ p[l + "self_attn.k_proj.weight"].T).reshape(B, T, hkv, D))
        v = (h @ p[l + "self_attn.v_proj.weight"].T).reshape(B, T, hkv, D)
        att = ref.causal_attention(q, k, v, 1.0 / math.sqrt(D)).reshape(B, T, hq * D)
        x = x + att @ p[l + "self_attn.o_proj.weight"].T
        h = rms_norm(x, p[l + "post_attention_layernorm.weight"], eps)
        x = x + (F.silu(h @ p[l + "mlp.gate_proj.weight"].T) * (h @ p[l + "mlp.up_proj.weight"].T)) @ p[l + "mlp.down_proj.weight"].T
    x = rms_norm(x, p["model.norm.weight"], eps)
    head = p["model.embed_tokens.weight"] if c["tie_word_embeddings"] else p["lm_head.weight"]
    return x @ head.T


def lm_loss(logits, targets):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100)


# ---- files -------------------------------------------------------------------------------------


def write_model_dir(ref, path, config, tensors, shards=1):
    """A Hugging Face model directory: config.json plus model.safetensors, or shards with an index."""
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    names = list(tensors)
    meta = {"format": "pt"}
    if shards == 1:
        ref.write_safetensors(os.path.join(path, "model.safetensors"), tensors, meta)
        return
    per = math.ceil(len(names) / shards)
    weight_map = {}
    for s in range(shards):
        file = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
        part = {n: tensors[n] for n in names[s * per:(s + 1) * per]}
        ref.write_safetensors(os.path.join(path, file), part, meta)
        weight_map.update({n: file for n in part})
    total = sum(t.numel() * t.element_size() for t in tensors.values())
    with open(os.path.join(path, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)


def reference_run(ref, name, forward, params, config, ids, targets, extra):
    """Logits, loss, gradients and a 10-step AdamW loss curve; saved as golden/<name>_reference."""
    logits = forward(params, ids)
    loss = lm_loss(logits, targets)
    loss.backward()
    out = {"ids": ids.int(), "targets": targets.int(), "logits": logits, "loss": loss.reshape(1)}
    out.update({"grad." + n: t.grad.clone() for n, t in params.items()})

    # 10 AdamW steps from the same start: decay on matrices and embeddings only, global-norm clipping.
    train = {n: t.detach().clone().requires_grad_(True) for n, t in params.items()}
    groups = [{"params": [t for t in train.values() if t.dim() >= 2], "weight_decay": ADAMW["weight_decay"]},
              {"params": [t for t in train.values() if t.dim() < 2], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=ADAMW["lr"], betas=ADAMW["betas"], eps=ADAMW["eps"])
    losses = []
    for _ in range(ADAMW["steps"]):
        opt.zero_grad()
        l = lm_loss(forward(train, ids), targets)
        l.backward()
        torch.nn.utils.clip_grad_norm_(list(train.values()), ADAMW["max_grad_norm"])
        opt.step()
        losses.append(l.item())
    out["adamw_losses"] = torch.tensor(losses, dtype=torch.float32)
    out.update(extra)
    ref.save(f"{name}_reference", out, lr=ADAMW["lr"], beta1=ADAMW["betas"][0], beta2=ADAMW["betas"][1],
             eps=ADAMW["eps"], weight_decay=ADAMW["weight_decay"], max_grad_norm=ADAMW["max_grad_norm"],
             steps=ADAMW["steps"], ignore_index=-100)


def batch(vocab, b, t):
    ids = torch.randint(0, vocab, (b, t))
    targets = torch.roll(ids, -1, dims=1)
    targets[:, -1] = -100                                 # no next token for the last position
    targets[0, :2] = -100                                 # and a masked prompt
    return ids, targets


def rounded(params, dtype):
    return {n: t.detach().to(dtype).float() for n, t in params.items()}


def model_cases(ref):
    models = os.path.join(ref.OUT_DIR, "models")

    # GPT-2: save_pretrained layout (transformer. prefix), hub layout (no prefix, mask buffers), BF16 file.
    c = GPT2
    p = init_params(gpt2_shapes(c))
    ids, targets = batch(c["vocab_size"], 2, 11)
    fwd = lambda params, ids: gpt2_forward(ref, params, c, ids)
    plain = {n: t.detach() for n, t in p.items()}
    write_model_dir(ref, os.path.join(models, "gpt2"), c, plain)
    hub = {n[len("transformer."):]: t for n, t in plain.items()}
    P = c["n_positions"]
    for i in range(c["n_layer"]):
        hub[f"h.{i}.attn.bias"] = torch.tril(torch.ones(P, P)).reshape(1, 1, P, P)
        hub[f"h.{i}.attn.masked_bias"] = torch.tensor(-1e4)
    write_model_dir(ref, os.path.join(models, "gpt2_hub"), c, hub)
    write_model_dir(ref, os.path.join(models, "gpt2_bf16"), {**c, "torch_dtype": "bfloat16"},
                    {n: t.to(torch.bfloat16) for n, t in plain.items()})
    with torch.no_grad():
        logits_bf16 = fwd(rounded(p, torch.bfloat16), ids)
    reference_run(ref, "gpt2", fwd, p, c, ids, targets, {"logits_bf16": logits_bf16})

    # LLaMA (GQA, untied head): one file, two shards with an index, an F16 file.
    c = LLAMA
    p = init_params(llama_shapes(c))
    ids, targets = batch(c["vocab_size"], 2, 13)
    fwd = lambda params, ids: llama_forward(ref, params, c, ids)
    plain = {n: t.detach() for n, t in p.items()}
    write_model_dir(ref, os.path.join(models, "llama"), c, plain)
    write_model_dir(ref, os.path.join(models, "llama_sharded"), c, plain, shards=2)
    write_model_dir(ref, os.path.join(models, "llama_f16"), {**c, "torch_dtype": "float16"},
                    {n: t.to(torch.float16) for n, t in plain.items()})
    with torch.no_grad():
        logits_f16 = fwd(rounded(p, torch.float16), ids)
    reference_run(ref, "llama", fwd, p, c, ids, targets, {"logits_f16": logits_f16})

    # A model saved by Distill itself (DISTILL_WRITE_REFERENCE=1 dotnet test --filter ModelSavedByDistill
    # writes it with Gpt2.Save; it is checked in): read it back
    # with the definitions above and record the logits it gives, so Distill's output is proven loadable.
    saved = os.path.join(ref.OUT_DIR, "saved_by_distill", "gpt2")
    if os.path.exists(os.path.join(saved, "model.safetensors")):
        with open(os.path.join(saved, "config.json")) as f:
            sc = json.load(f)
        sp = read_safetensors(os.path.join(saved, "model.safetensors"))
        assert set(sp) == set(gpt2_shapes(sc)), f"unexpected names in {saved}: {sorted(set(sp) ^ set(gpt2_shapes(sc)))}"
        for n, shape in gpt2_shapes(sc).items():
            assert tuple(sp[n].shape) == shape, f"{n}: {tuple(sp[n].shape)} != {shape}"
        ids, _ = batch(sc["vocab_size"], 2, 11)
        with torch.no_grad():
            ref.save("saved_by_distill_gpt2", {"ids": ids.int(), "logits": gpt2_forward(ref, sp, sc, ids)})


def read_safetensors(path):
    import numpy as np
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", f"{path}: {name} is {info['dtype']}"
        b, e = info["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[b:e], dtype="<f4").copy()).reshape(info["shape"])
    return out


# ---- distillation step -------------------------------------------------------------------------

DISTILL_TEACHER = dict(GPT2)                                                  # 2 layers, width 36, 3 heads
DISTILL_STUDENT = dict(GPT2, n_embd=24, n_layer=1, n_head=2, n_inner=96)      # 1 layer, width 24; same vocab 101
DISTILL = dict(temperature=2.0, soft_weight=0.5, hard_weight=0.5, feature_weight=0.7, layer_map="0:0,1:2", steps=5)


def distill_loss(s_logits, t_logits, targets, temperature, soft_weight, hard_weight):
    """soft_weight * T^2 * mean KL(p_T || p_S) + hard_weight * mean CE, means over targets != -100."""
    V = s_logits.shape[-1]
    s, t, y = s_logits.reshape(-1, V), t_logits.reshape(-1, V), targets.reshape(-1)
    keep = (y != -100).float()
    log_ps = F.log_softmax(s / temperature, dim=-1)
    log_pt = F.log_softmax(t / temperature, dim=-1)
    kl_rows = (log_pt.exp() * (log_pt - log_ps)).sum(-1)
    soft = (kl_rows * keep).sum() / keep.sum()
    hard = F.cross_entropy(s, y, ignore_index=-100)
    return soft_weight * temperature ** 2 * soft + hard_weight * hard, soft, hard


def distill_objective(ref, student, teacher, proj, ids, targets, layer_map):
    """The step's loss and its parts; proj (one (weight, bias) per layer pair) adds the hidden-state MSE term."""
    with torch.no_grad():
        t_hidden, t_final = gpt2_hidden(ref, teacher, DISTILL_TEACHER, ids)
        t_logits = t_final @ teacher["transformer.wte.weight"].T
    s_hidden, s_final = gpt2_hidden(ref, student, DISTILL_STUDENT, ids)
    s_logits = s_final @ student["transformer.wte.weight"].T
    d = DISTILL
    loss, soft, hard = distill_loss(s_logits, t_logits, targets, d["temperature"], d["soft_weight"], d["hard_weight"])
    feature = torch.zeros(())
    if proj is not None:
        # mean over layer pairs of mean((P h_S[i] - h_T[j])^2)
        terms = [F.mse_loss(F.linear(s_hidden[i], w, b), t_hidden[j]) for (i, j), (w, b) in zip(layer_map, proj)]
        feature = sum(terms) / len(terms)
        loss = loss + d["feature_weight"] * feature
    return loss, soft, hard, feature


def distill_run(ref, student0, teacher, proj0, ids, targets, layer_map, prefix):
    """Loss, parts and every student (and projection) gradient of one step, and the loss over AdamW steps."""
    out = {}
    student = {n: t.detach().clone().requires_grad_(True) for n, t in student0.items()}
    proj = None if proj0 is None else [tuple(t.detach().clone().requires_grad_(True) for t in wb) for wb in proj0]
    trained = list(student.values()) + ([t for wb in proj for t in wb] if proj else [])
    loss, soft, hard, feature = distill_objective(ref, student, teacher, proj, ids, targets, layer_map)
    loss.backward()
    out.update({prefix + "loss": loss.reshape(1), prefix + "soft": soft.reshape(1), prefix + "hard": hard.reshape(1),
                prefix + "feature": feature.reshape(1),
                prefix + "grad_norm": torch.norm(torch.stack([t.grad.norm() for t in trained])).reshape(1)})
    out.update({prefix + "grad." + n: t.grad.clone() for n, t in student.items()})
    if proj:
        for k, (w, b) in enumerate(proj):
            out[f"{prefix}grad.projection.{k}.weight"] = w.grad.clone()
            out[f"{prefix}grad.projection.{k}.bias"] = b.grad.clone()

    # AdamW from the same start: decay on matrices only, global-norm clipping over student + projections.
    for t in trained:
        t.grad = None
    groups = [{"params": [t for t in trained if t.dim() >= 2], "weight_decay": ADAMW["weight_decay"]},
              {"params": [t for t in trained if t.dim() < 2], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=ADAMW["lr"], betas=ADAMW["betas"], eps=ADAMW["eps"])
    losses = []
    for _ in range(DISTILL["steps"]):
        opt.zero_grad()
        l = distill_objective(ref, student, teacher, proj, ids, targets, layer_map)[0]
        l.backward()
        torch.nn.utils.clip_grad_norm_(trained, ADAMW["max_grad_norm"])
        opt.step()
        losses.append(l.item())
    out[prefix + "adamw_losses"] = torch.tensor(losses, dtype=torch.float32)
    return out


def distill_step_cases(ref):
    """A tiny GPT-2 teacher/student pair and one distillation step (and a few AdamW steps) on one batch:
    loss = 0.5 T^2 FKL(T=2) + 0.5 CE, plain and with 0.7 * hidden-state MSE through projections."""
    models = os.path.join(ref.OUT_DIR, "models")
    teacher = init_params(gpt2_shapes(DISTILL_TEACHER))
    student = init_params(gpt2_shapes(DISTILL_STUDENT))
    write_model_dir(ref, os.path.join(models, "distill_teacher"), DISTILL_TEACHER, {n: t.detach() for n, t in teacher.items()})
    write_model_dir(ref, os.path.join(models, "distill_student"), DISTILL_STUDENT, {n: t.detach() for n, t in student.items()})
    teacher = {n: t.detach() for n, t in teacher.items()}
    ids, targets = batch(DISTILL_STUDENT["vocab_size"], 2, 13)
    layer_map = [tuple(int(v) for v in pair.split(":")) for pair in DISTILL["layer_map"].split(",")]
    cs, ct = DISTILL_STUDENT["n_embd"], DISTILL_TEACHER["n_embd"]
    proj = [(l.weight.detach().clone(), l.bias.detach().clone()) for l in (torch.nn.Linear(cs, ct) for _ in layer_map)]

    out = {"ids": ids.int(), "targets": targets.int()}
    for k, (w, b) in enumerate(proj):
        out[f"projection.{k}.weight"] = w
        out[f"projection.{k}.bias"] = b
    out.update(distill_run(ref, student, teacher, None, ids, targets, layer_map, ""))
    out.update(distill_run(ref, student, teacher, proj, ids, targets, layer_map, "mse."))
    d = DISTILL
    ref.save("distill_step_reference", out, temperature=d["temperature"], soft_weight=d["soft_weight"],
             hard_weight=d["hard_weight"], feature_weight=d["feature_weight"], layer_map=d["layer_map"], steps=d["steps"],
             lr=ADAMW["lr"], beta1=ADAMW["betas"][0], beta2=ADAMW["betas"][1], eps=ADAMW["eps"],
             weight_decay=ADAMW["weight_decay"], max_grad_norm=ADAMW["max_grad_norm"], ignore_index=-100)
