using System.CommandLine;
using MambaIR.Models;
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
        var check = new Option<string?>("--check") { Description = "Also run conv2d, matmul and a backward pass on this device (e.g. cuda) and compare with the CPU." };
        var cmd = new Command("runtime", "Show the native runtime: libtorch in use, CUDA availability, threads, selective-scan backends.") { libtorch, check };
        cmd.SetAction(pr =>
        {
            TorchRuntime.EnsureInitialized(pr.GetValue(libtorch));
            Console.WriteLine($"libtorch:       {TorchRuntime.LibTorchDirectory}{(TorchRuntime.UsesExternalLibTorch ? " (external)" : " (bundled CPU)")}");
            Console.WriteLine($"bridge:         {TorchRuntime.BridgePath}");
            Console.WriteLine($"CUDA:           {(ComputeDevice.CudaAvailable() ? $"yes, {torch.cuda.device_count()} device(s)" : "no")}");
            Console.WriteLine($"threads:        {torch.get_num_threads()}");
            Console.WriteLine($"scan backends:  {string.Join(", ", SelectiveScan.Available.Select(b => b.Name))}");
            foreach (var line in TorchRuntime.Log) Console.WriteLine($"  {line}");
            if (pr.GetValue(check) is { } spec)
            {
                var device = ComputeDevice.Resolve(spec);
                var results = RuntimeSelfCheck.Run(device);
                foreach (var r in results)
                    Console.WriteLine($"check {r.Device,-8} {r.Operation,-9} max|diff vs cpu| = {r.MaxAbsDifference:E2}  {(r.Passed ? "ok" : "FAILED")}");
                var net = NetworkDeviceCheck.Run(device);
                bool netOk = net.MaxOutputDifference <= 1e-9 && net.MaxRelativeGradientDifference <= 1e-7;
                Console.WriteLine($"check {device,-8} MambaIR   max|output diff| = {net.MaxOutputDifference:E2}, max relative gradient diff = {net.MaxRelativeGradientDifference:E2} (scan: {net.ScanBackend})  {(netOk ? "ok" : "FAILED")}");
                return results.All(r => r.Passed) && netOk ? 0 : 1;
            }
            return 0;
        });
        return cmd;
    }
}
