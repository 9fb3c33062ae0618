using System.CommandLine;

namespace MambaIR.Cli;

/// <summary>Options shared by several commands, so they are spelled and documented the same everywhere.</summary>
public static class CliOptions
{
    public static Option<string> Device() => new("--device")
    {
        Description = "auto, cpu, cuda or cuda:N. CUDA needs MAMBAIR_LIBTORCH (or --libtorch) pointing at a CUDA libtorch, e.g. a PyTorch install's torch/lib.",
        DefaultValueFactory = _ => "auto",
    };

    public static Option<string?> LibTorch() => new("--libtorch")
    {
        Description = "Folder of an existing libtorch to use instead of the bundled CPU one (overrides MAMBAIR_LIBTORCH).",
    };

    public static Option<int?> Threads() => new("--threads")
    {
        Description = "CPU threads for libtorch and the scan kernel (default: all cores).",
    };
}
