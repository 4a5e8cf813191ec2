// Hand-built malformed and hostile safetensors files: each must be refused on Open with an
// InvalidDataException that names the file, the tensor at fault, and the problem; never a crash.
using Distill.IO;
using static Distill.Tests.IO.SafetensorsBytes;

namespace Distill.Tests.IO;

public class SafetensorsValidationTests : IDisposable
{
    private const int Trials = 1500;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Writes the bytes as bad.safetensors, asserts Open refuses them, returns the message.</summary>
    private string Refused(byte[] file, params string[] mentions)
    {
        string path = _dir.File("bad.safetensors");
        File.WriteAllBytes(path, file);
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path));
        Assert.Contains("bad.safetensors", e.Message);
        foreach (var m in mentions) Assert.Contains(m, e.Message);
        return e.Message;
    }

    private SafetensorsFile Accepted(byte[] file)
    {
        string path = _dir.File("good.safetensors");
        File.WriteAllBytes(path, file);
        return SafetensorsFile.Open(path);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    public void FileShorterThanEightBytes(int length) =>
        Refused(new byte[length], $"file is {length} bytes", "too short");

    [Fact]
    public void TruncatedHeader()
    {
        var whole = Build("{" + Entry("w", "F32", [2], 0, 8) + "}", new byte[8]);
        Refused(whole[..20], "runs past the end", "truncated");
    }

    [Theory]
    [InlineData(1UL << 40)]
    [InlineData(ulong.MaxValue)]
    [InlineData(100_000_001UL)]
    public void OversizedHeaderLength(ulong declared) =>
        Refused(Build("{}", null, declared), $"header length {declared}", "limit");

    [Fact]
    public void HeaderLengthPastEndOfFile() =>
        Refused(Build("{}      ", null, 1000), "header length 1000", "past the end");

    [Theory]
    [InlineData("{\"w\": {\"dtype\": \"F32\"")]
    [InlineData("{\"w\": }")]
    [InlineData("not json")]
    [InlineData("{} trailing")]
    [InlineData("{\"a\":1,}")]
    public void MalformedJson(string header) => Refused(Build(header), "not valid JSON");

    [Fact]
    public void InvalidUtf8Header() =>
        Refused(Build(new byte[] { (byte)'{', (byte)'"', 0xFF, 0xFE, (byte)'"', (byte)':', (byte)'1', (byte)'}' }), "not valid JSON");

    [Theory]
    [InlineData("[1, 2]", "an array")]
    [InlineData("\"hello\"", "a string")]
    [InlineData("42", "a number")]
    [InlineData("null", "null")]
    public void HeaderNotAnObject(string header, string kind) => Refused(Build(header), kind, "expected an object");

    [Theory]
    [InlineData("{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", "no \"dtype\"")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", "no \"shape\"")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", "no \"data_offsets\"")]
    [InlineData("{\"w\":[1,2]}", "entry is an array")]
    [InlineData("{\"w\":{\"dtype\":32,\"shape\":[2],\"data_offsets\":[0,8]}}", "\"dtype\" is a number")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}", "\"shape\" is a string")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", "\"shape\"[0] is 2.5")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}", "\"shape\"[0] is \"2\"")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,16]}}", "expected [begin, end]")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":{\"a\":0}}}", "expected [begin, end]")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,\"8\"]}}", "data_offsets end")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", "data_offsets begin is -8")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,1e1]}}", "data_offsets end is 1e1")]
    public void EntryMissingFieldsOrWrongTypes(string header, string problem) =>
        Refused(Build(header, new byte[8]), "tensor 'w'", problem);

    [Fact]
    public void UnknownDType() =>
        Refused(Build("{" + Entry("w", "Q7", [2], 0, 8) + "}", new byte[8]), "tensor 'w'", "unknown dtype 'Q7'");

    [Fact]
    public void DTypeNamesAreCaseSensitive() =>
        Refused(Build("{" + Entry("w", "f32", [2], 0, 8) + "}", new byte[8]), "tensor 'w'", "unknown dtype 'f32'");

    [Fact]
    public void NegativeDimension() =>
        Refused(Build("{" + Entry("w", "F32", [2, -3], 0, 8) + "}", new byte[8]), "tensor 'w'", "\"shape\"[1] is negative (-3)");

    [Fact]
    public void DimensionLargerThanInt32() =>
        Refused(Build("{\"w\":{\"dtype\":\"U8\",\"shape\":[4294967296],\"data_offsets\":[0,8]}}", new byte[8]), "tensor 'w'", "\"shape\"[0] is 4294967296");

    [Fact]
    public void ElementCountOverflow() =>
        Refused(Build("{" + Entry("w", "F32", [int.MaxValue, int.MaxValue, int.MaxValue], 0, 8) + "}", new byte[8]),
            "tensor 'w'", "overflows 64 bits");

    [Fact]
    public void ByteCountOverflowIsAMismatchNotACrash() =>
        // 2^62 elements of F64 is 2^65 bytes: the count fits in 64 bits, the bytes do not.
        Refused(Build("{" + Entry("w", "F64", [1 << 30, 1 << 30, 4], 0, 8) + "}", new byte[8]), "tensor 'w'", "needs");

    [Fact]
    public void WrongDTypeForByteCount() =>
        // 4 BF16 values (8 bytes) labelled F32: 4 F32 need 16 bytes.
        Refused(Build("{" + Entry("w", "F32", [4], 0, 8) + "}", new byte[8]), "tensor 'w'", "hold 8 bytes", "(4,) F32 needs 16");

    [Fact]
    public void ShapeByteMismatch() =>
        Refused(Build("{" + Entry("w", "F32", [2, 3], 0, 20) + "}", new byte[20]), "tensor 'w'", "hold 20 bytes", "(2, 3) F32 needs 24");

    [Fact]
    public void SubByteDTypeMustFillWholeBytes() =>
        Refused(Build("{" + Entry("w", "F4", [3], 0, 2) + "}", new byte[2]), "tensor 'w'", "not a whole number of bytes");

    [Fact]
    public void BeginAfterEnd() =>
        Refused(Build("{" + Entry("w", "F32", [2], 16, 8) + "}", new byte[16]), "tensor 'w'", "[16, 8]", "begin is after end");

    [Fact]
    public void RangePastEndOfFile() =>
        Refused(Build("{" + Entry("w", "F32", [4], 0, 16) + "}", new byte[8]), "tensor 'w'", "[0, 16]", "past the end of the file", "8 bytes");

    [Fact]
    public void HugeRangePastEndOfFile() =>
        Refused(Build("{" + Entry("w", "U8", [1000000000], 0, 1000000000) + "}", new byte[8]), "tensor 'w'", "past the end");

    [Fact]
    public void OverlappingRanges() =>
        Refused(Build("{" + Entry("a", "F32", [4], 0, 16) + "," + Entry("b", "F32", [4], 8, 24) + "}", new byte[24]),
            "tensor 'b'", "overlap tensor 'a'", "[0, 16]");

    [Fact]
    public void OverlapIsFoundWhateverTheHeaderOrder() =>
        Refused(Build("{" + Entry("b", "F32", [4], 8, 24) + "," + Entry("a", "F32", [4], 0, 16) + "}", new byte[24]),
            "tensor 'b'", "overlap tensor 'a'");

    [Fact]
    public void IdenticalRangesOverlap() =>
        Refused(Build("{" + Entry("a", "F32", [2], 0, 8) + "," + Entry("b", "F32", [2], 0, 8) + "}", new byte[8]), "overlap");

    [Fact]
    public void ZeroSizeTensorInsideAnotherOverlaps() =>
        Refused(Build("{" + Entry("a", "F32", [4], 0, 16) + "," + Entry("z", "F32", [0], 8, 8) + "}", new byte[16]), "tensor 'z'", "overlap tensor 'a'");

    // Gaps and trailing bytes: the reference implementation refuses them (ranges must tile the buffer).
    [Fact]
    public void GapBetweenTensors() =>
        Refused(Build("{" + Entry("a", "F32", [2], 0, 8) + "," + Entry("b", "F32", [2], 16, 24) + "}", new byte[24]),
            "tensor 'b'", "gap of 8 bytes", "'a'");

    [Fact]
    public void FirstTensorNotAtZero() =>
        Refused(Build("{" + Entry("a", "F32", [2], 8, 16) + "}", new byte[16]), "tensor 'a'", "must start at 0");

    [Fact]
    public void TrailingBytesAfterLastTensor() =>
        Refused(Build("{" + Entry("a", "F32", [2], 0, 8) + "}", new byte[12]), "4 trailing bytes");

    [Fact]
    public void DataWithoutTensors() => Refused(Build("{}", new byte[3]), "3 trailing bytes");

    [Fact]
    public void DuplicateTensorName() =>
        Refused(Build("{" + Entry("a", "F32", [2], 0, 8) + "," + Entry("a", "F32", [2], 8, 16) + "}", new byte[16]),
            "tensor 'a'", "appears twice");

    [Theory]
    [InlineData("{\"__metadata__\":{\"k\":1}}", "key 'k' is a number")]
    [InlineData("{\"__metadata__\":[\"k\"]}", "is an array")]
    [InlineData("{\"__metadata__\":{\"k\":\"v\"},\"__metadata__\":{}}", "appears twice")]
    public void BadMetadata(string header, string problem) => Refused(Build(header), "__metadata__", problem);

    [Fact]
    public void DeeplyNestedJsonIsRefusedNotAStackOverflow() =>
        Refused(Build("{\"w\":" + new string('[', 100_000) + new string(']', 100_000) + "}"), "not valid JSON");

    [Fact]
    public void MissingTensorNamesFileTensorAndNeighbours()
    {
        var file = Build("{" + Entry("h.0.attn.weight", "F32", [2], 0, 8) + "," + Entry("h.0.mlp.weight", "F32", [2], 8, 16) + "}", new byte[16]);
        using var st = Accepted(file);
        var e = Assert.Throws<KeyNotFoundException>(() => st.Info("h.0.attn.wieght"));
        Assert.Contains("good.safetensors", e.Message);
        Assert.Contains("'h.0.attn.wieght'", e.Message);
        Assert.Contains("'h.0.attn.weight'", e.Message);
        Assert.Contains("2 tensors", e.Message);
        Assert.True(e.Message.IndexOf("'h.0.attn.weight'") < e.Message.IndexOf("'h.0.mlp.weight'"), "closest name first: " + e.Message);
        Assert.Throws<KeyNotFoundException>(() => st.Bytes("nope"));
        Assert.Throws<KeyNotFoundException>(() => st.Load("nope"));
        Assert.Throws<KeyNotFoundException>(() => st.LoadF32("nope"));
        Assert.False(st.Contains("nope"));
    }

    [Fact]
    public void TensorsMayComeInAnyHeaderOrderAndUnknownFieldsAreIgnored()
    {
        var file = Build("{\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[3,5],\"extra\":true}," + Entry("a", "U8", [3], 0, 3) + "}    ",
            [1, 2, 3, 4, 5]);
        using var st = Accepted(file);
        Assert.Equal(new[] { "a", "b" }, st.Names);
        Assert.Equal(new byte[] { 4, 5 }, st.Bytes("b").ToArray());
    }

    [Fact]
    public void DTypesDistillLacksValidateButDoNotLoad()
    {
        var file = Build("{" + Entry("pos", "I64", [2], 0, 16) + "}", [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]);
        using var st = Accepted(file);
        var info = st.Info("pos");
        Assert.Equal("I64", info.DTypeName);
        Assert.Null(info.DType);
        Assert.Equal(16, st.Bytes("pos").Length);
        var e = Assert.Throws<NotSupportedException>(() => st.Load("pos"));
        Assert.Contains("'pos'", e.Message);
        Assert.Contains("I64", e.Message);
        Assert.Throws<NotSupportedException>(() => st.LoadF32("pos"));
    }

    [Fact]
    public void EmptyHeaderAndNullMetadataAreValid()
    {
        using var st = Accepted(Build("{\"__metadata__\":null}"));
        Assert.Empty(st.Names);
        Assert.Empty(st.Metadata);
    }

    [Theory]
    [InlineData(1234)]
    [InlineData(99)]
    [InlineData(7)]
    public void RandomCorruptionIsRefusedCleanlyOrReadsSafely(int seed)
    {
        // Flip bytes of a valid file many times: Open must either refuse with InvalidDataException or give
        // a file whose every tensor can be read; nothing else (no crash, hang, or other exception type).
        var header = "{\"__metadata__\":{\"format\":\"pt\"}," + Entry("a", "F32", [2, 2], 0, 16) + "," +
                     Entry("b", "BF16", [3], 16, 22) + "," + Entry("c", "U8", [2], 22, 24) + "}";
        var valid = Build(header, Enumerable.Range(0, 24).Select(i => (byte)i).ToArray());
        var rng = new Random(seed);
        string path = _dir.File("fuzz.safetensors");
        int refused = 0;
        for (int trial = 0; trial < Trials; trial++)
        {
            var bytes = (byte[])valid.Clone();
            int flips = 1 + rng.Next(3);
            for (int f = 0; f < flips; f++) bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256);
            if (rng.Next(10) == 0) bytes = bytes[..rng.Next(bytes.Length)];
            File.WriteAllBytes(path, bytes);
            try
            {
                using var st = SafetensorsFile.Open(path);
                foreach (var name in st.Names)
                {
                    var info = st.Info(name);
                    Assert.Equal(info.ByteLength, st.Bytes(name).Length);
                    if (info.DType is not null) st.Load(name).Dispose();
                }
            }
            catch (InvalidDataException e)
            {
                Assert.Contains("fuzz.safetensors", e.Message);
                refused++;
            }
        }
        Assert.True(refused > Trials / 3, $"only {refused} of {Trials} corrupted files were refused");
    }
}
