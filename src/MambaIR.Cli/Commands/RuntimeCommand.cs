using MambaIR.Training.Optimization;
using System.CommandLine;
using MambaIR.Models;
using MambaIR.Native;
using MambaIR.Ops;
using TorchSharp;
using static TorchSharp.torch;

namespace MambaIR.Cli.Commands;

/// <summary>`mambair runtime`: what native libraries were loaded, which devices and scan backends are usable.</summary>
public sealed class RuntimeCommand : ICliCommand
{
    public Command Create()
    {
        var libtorch = CliOptions.LibTorch();
        var check = new Option<string?>("--check") { Description = "Also run conv2d, matmul, a backward pass and a whole MambaIR on this device (e.g. cuda) and compare with the CPU; on CUDA also the scan kernel against the reference on edge shapes." };
        var refvec = new Option<string?>("--refvec") { Description = "With --check: also run every MambaIR reference vector (NAME.json/.pth/.io.safetensors) in this folder on the device, float32 and float64." };
        var cmd = new Command("runtime", "Show the native runtime: libtorch in use, CUDA availability, threads, selective-scan backends.") { libtorch, check, refvec };
        cmd.SetAction(pr =>
        {
            TorchRuntime.EnsureInitialized(pr.GetValue(libtorch));
            Console.WriteLine($"libtorch:       {TorchRuntime.LibTorchDirectory}{(TorchRuntime.UsesExternalLibTorch ? " (external)" : " (bundled CPU)")}");
            Console.WriteLine($"bridge:         {TorchRuntime.BridgePath}");
            Console.WriteLine($"CUDA:           {(ComputeDevice.CudaAvailable() ? $"yes, {torch.cuda.device_count()} device(s)" : "no")}");
            Console.WriteLine($"threads:        {torch.get_num_threads()}");
            Console.WriteLine($"scan backends:  {string.Join(", ", SelectiveScan.Available.Select(b => b.Name))}");
            foreach (var line in TorchRuntime.Log) Console.WriteLine($"  {line}");
            bool cudaUp = ComputeDevice.CudaAvailable();
            if (cudaUp)
            {
                var tc = CudaSelectiveScan.Toolchain(out var why);
                Console.WriteLine($"CUDA kernels:   {(tc is null ? $"unavailable: {why}" : tc.Description)}");
                Console.WriteLine($"scan on CUDA:   {SelectiveScan.ChooseFor(torch.CUDA, torch.ScalarType.Float32).Name}");
            }
            if (pr.GetValue(check) is { } spec)
            {
                var device = ComputeDevice.Resolve(spec);
                bool scanOk = true;
                if (device.type == DeviceType.CUDA)
                {
                    var scan = SelectiveScan.ChooseFor(device, torch.ScalarType.Float32);
                    foreach (var group in CudaScanCheck.Run(scan, device).GroupBy(r => (r.Case, r.Dtype)))
                    {
                        var worst = group.MaxBy(r => double.IsNaN(r.RelativeError) ? double.PositiveInfinity : r.RelativeError)!;
                        bool ok = group.All(r => r.Passed);
                        scanOk &= ok;
                        Console.WriteLine($"check scan {scan.Name,-7} {group.Key.Case,-26} {group.Key.Dtype,-8} worst relative error {worst.RelativeError:E2} ({worst.Quantity}; tolerance {worst.Tolerance:E0})  {(ok ? "ok" : "FAILED: " + string.Join(", ", group.Where(r => !r.Passed).Select(r => $"{r.Quantity} {r.RelativeError:E2}")))}");
                    }
                    foreach (var line in CudaSelectiveScan.KernelLog) Console.WriteLine($"  {line}");
                    foreach (var r in OptimizerDeviceCheck.Run(device))
                    {
                        scanOk &= r.Passed;
                        Console.WriteLine($"check optimiser {r.Dtype,-8} {r.UpdatePath} vs per tensor: AdamW {r.AdamRelativeError:E2}, EMA {r.EmaRelativeError:E2} (tolerance {r.Tolerance:E0})  {(r.Passed ? "ok" : "FAILED")}");
                    }
                    var nccl = MambaIR.Training.Distributed.NcclDeviceCheck.Run(device);
                    if (nccl.Passed == false) scanOk = false;
                    Console.WriteLine($"check {nccl.Message}  {(nccl.Passed switch { true => "ok", false => "FAILED", null => "(skipped)" })}");
                }
                if (pr.GetValue(refvec) is { } folder)
                    foreach (var r in RuntimeSelfCheck.ReferenceVectors(device, folder))
                    {
                        scanOk &= r.Passed;
                        Console.WriteLine($"check refvec {r.Name,-16} {r.Dtype,-8} output relative error {r.OutputError:E2}" +
                                          (r.WorstGradientError is { } ge ? $", worst gradient {ge:E2} ({r.WorstGradient})" : "") + $" (tolerance {r.Tolerance:E0})  {(r.Passed ? "ok" : "FAILED")}");
                    }
                var results = RuntimeSelfCheck.Run(device);
                foreach (var r in results)
                    Console.WriteLine($"check {r.Device,-8} {r.Operation,-9} max|diff vs cpu| = {r.MaxAbsDifference:E2}  {(r.Passed ? "ok" : "FAILED")}");
                var net = NetworkDeviceCheck.Run(device);
                bool netOk = net.MaxOutputDifference <= 1e-9 && net.MaxRelativeGradientDifference <= 1e-7;
                Console.WriteLine($"check {device,-8} MambaIR   max|output diff| = {net.MaxOutputDifference:E2}, max relative gradient diff = {net.MaxRelativeGradientDifference:E2} (scan: {net.ScanBackend})  {(netOk ? "ok" : "FAILED")}");
                return results.All(r => r.Passed) && netOk && scanOk ? 0 : 1;
            }
            return 0;
        });
        return cmd;
    }
}
