using static TorchSharp.torch;

namespace MambaIR.Checkpoints;

/// <summary>The dtypes checkpoints can hold, with their names in PyTorch pickles and safetensors headers.</summary>
internal static class TensorDTypes
{
    sealed record Info(ScalarType Type, int Size, string Storage, string TorchName, string SafeTensors);

    static readonly Info[] All =
    {
        new(ScalarType.Float32, 4, "FloatStorage", "float32", "F32"),
        new(ScalarType.Float64, 8, "DoubleStorage", "float64", "F64"),
        new(ScalarType.Float16, 2, "HalfStorage", "float16", "F16"),
        new(ScalarType.BFloat16, 2, "BFloat16Storage", "bfloat16", "BF16"),
        new(ScalarType.Int64, 8, "LongStorage", "int64", "I64"),
        new(ScalarType.Int32, 4, "IntStorage", "int32", "I32"),
        new(ScalarType.Int16, 2, "ShortStorage", "int16", "I16"),
        new(ScalarType.Int8, 1, "CharStorage", "int8", "I8"),
        new(ScalarType.Byte, 1, "ByteStorage", "uint8", "U8"),
        new(ScalarType.Bool, 1, "BoolStorage", "bool", "BOOL"),
        new(ScalarType.ComplexFloat32, 8, "ComplexFloatStorage", "complex64", "C64"),
        new(ScalarType.ComplexFloat64, 16, "ComplexDoubleStorage", "complex128", "C128"),
    };

    // Aliases PyTorch also accepts as dtype globals (torch.float, torch.half, ...).
    static readonly Dictionary<string, string> TorchAliases = new()
    {
        ["float"] = "float32", ["double"] = "float64", ["half"] = "float16", ["long"] = "int64", ["int"] = "int32",
        ["short"] = "int16", ["cfloat"] = "complex64", ["cdouble"] = "complex128",
    };

    /// <summary>The dtype of a typed storage class such as <c>FloatStorage</c>; null if unknown or unsupported.</summary>
    public static ScalarType? FromStorageName(string name) => All.FirstOrDefault(i => i.Storage == name)?.Type;

    /// <summary>The dtype named by a <c>torch.&lt;dtype&gt;</c> global such as <c>float16</c>; null if unsupported.</summary>
    public static ScalarType? FromTorchName(string name)
    {
        if (TorchAliases.TryGetValue(name, out var canonical)) name = canonical;
        return All.FirstOrDefault(i => i.TorchName == name)?.Type;
    }

    /// <summary>The dtype for a safetensors dtype code such as <c>F32</c>; null if unsupported.</summary>
    public static ScalarType? FromSafeTensors(string code) => All.FirstOrDefault(i => i.SafeTensors == code)?.Type;

    public static int ElementSize(ScalarType t) => Find(t).Size;
    public static string StorageName(ScalarType t) => Find(t).Storage;
    public static string SafeTensorsName(ScalarType t) => Find(t).SafeTensors;
    public static bool IsSupported(ScalarType t) => All.Any(i => i.Type == t);

    /// <summary>The safetensors codes this reader understands, for error messages.</summary>
    public static string SupportedSafeTensors => string.Join(", ", All.Select(i => i.SafeTensors));

    static Info Find(ScalarType t) => All.FirstOrDefault(i => i.Type == t)
        ?? throw new NotSupportedException($"dtype {t} cannot be stored in a checkpoint");
}
