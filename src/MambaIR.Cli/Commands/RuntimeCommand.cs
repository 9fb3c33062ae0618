using System.CommandLine;
using MambaIR.Native;
using MambaIR.Ops;
using TorchSharp;

namespace MambaIR.Cli.Commands;

/// <summary>`mambair runtime`: what native libraries were loaded, which devices and scan backends are usable.</summary>
public sealed class RuntimeCommand : ICliCommand
{
    public Command Create()
    {
        var libtorch = CliOptions.LibTorch();
        var cmd = new Command("runtime", "Show the native runtime: libtorch in use, CUDA availability, threads, selective-scan backends.") { libtorch };
        cmd.SetAction(pr =>
        {
            TorchRuntime.EnsureInitialized(pr.GetValue(libtorch));
            Console.WriteLine($"libtorch:       {TorchRuntime.LibTorchDirectory}{(TorchRuntime.UsesExternalLibTorch ? " (external)" : " (bundled CPU)")}");
            Console.WriteLine($"bridge:         {TorchRuntime.BridgePath}");
            Console.WriteLine($"CUDA:           {(ComputeDevice.CudaAvailable() ? $"yes, {torch.cuda.device_count()} device(s)" : "no")}");
            Console.WriteLine($"threads:        {torch.get_num_threads()}");
            Console.WriteLine($"scan backends:  {string.Join(", ", SelectiveScan.Available.Select(b => b.Name))}");
            foreach (var line in TorchRuntime.Log) Console.WriteLine($"  {line}");
            return 0;
        });
        return cmd;
    }
}
