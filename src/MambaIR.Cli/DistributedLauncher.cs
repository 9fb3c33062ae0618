using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using MambaIR.Native;
using MambaIR.Training.Distributed;
using TorchSharp;

namespace MambaIR.Cli;

/// <summary>
/// <c>mambair train --gpus N</c>: starts N copies of this program, one per CUDA device of this host, with torchrun's
/// variables (<c>RANK</c> = <c>LOCAL_RANK</c> = i, <c>WORLD_SIZE</c> = N, <c>MASTER_ADDR</c> = 127.0.0.1,
/// <c>MASTER_PORT</c> = the caller's or a free port) and <c>NCCL_NVLS_ENABLE=0</c> (NVLink multicast off). Their output
/// is forwarded line by line, prefixed with the rank. If one exits with an error the others are killed and the launcher
/// fails with that exit code; Ctrl+C stops them all.
/// </summary>
public static class DistributedLauncher
{
    /// <summary>The options that only the launcher reads (removed from the children's command line).</summary>
    public const string GpusOption = "--gpus";

    /// <summary>Fails unless <paramref name="gpus"/> CUDA devices are visible (the message says what is missing).</summary>
    public static void CheckDevices(int gpus)
    {
        if (!ComputeDevice.CudaAvailable())
            throw new NotSupportedException(
                $"{GpusOption} {gpus}: training on {gpus} GPUs needs {gpus} CUDA devices, and CUDA is not available here " +
                $"(the bundled libtorch is CPU-only: set {TorchRuntime.LibTorchEnvironmentVariable} or --libtorch to a CUDA libtorch, e.g. a PyTorch install's site-packages/torch/lib, on a machine with {gpus} NVIDIA GPUs)");
        int count = (int)torch.cuda.device_count();
        if (count < gpus)
            throw new NotSupportedException($"{GpusOption} {gpus}: training on {gpus} GPUs needs {gpus} CUDA devices; only {count} visible (CUDA_VISIBLE_DEVICES={Environment.GetEnvironmentVariable("CUDA_VISIBLE_DEVICES") ?? "unset"})");
    }

    /// <summary>The children's arguments: <paramref name="args"/> without <c>--gpus N</c> / <c>--gpus=N</c>.</summary>
    public static IReadOnlyList<string> ChildArguments(IReadOnlyList<string> args)
    {
        var result = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            if (args[i] == GpusOption) { i++; continue; }
            if (args[i].StartsWith(GpusOption + "=", StringComparison.Ordinal)) continue;
            result.Add(args[i]);
        }
        return result;
    }

    /// <summary>Runs <paramref name="gpus"/> ranks of this program with <paramref name="args"/> (already without --gpus); returns the exit code.</summary>
    public static int Run(int gpus, IReadOnlyList<string> args)
    {
        string port = Environment.GetEnvironmentVariable(DistributedEnvironment.MasterPortVariable) is { Length: > 0 } p ? p : FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (exe, prefix) = Self();
        var children = new Process[gpus];
        var gate = new object();
        Console.Error.WriteLine($"mambair: starting {gpus} ranks (one per GPU) meeting at 127.0.0.1:{port}; NCCL_NVLS_ENABLE=0");
        void KillAll()
        {
            foreach (var c in children)
                try { if (c is { HasExited: false }) c.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        }
        ConsoleCancelEventHandler cancel = (_, e) => { e.Cancel = true; Console.Error.WriteLine("mambair: interrupted; stopping every rank"); KillAll(); };
        Console.CancelKeyPress += cancel;
        try
        {
            for (int r = 0; r < gpus; r++)
            {
                var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (var a in prefix.Concat(args)) psi.ArgumentList.Add(a);
                foreach (var (k, v) in DistributedEnvironment.ForLocalRank(r, gpus, "127.0.0.1", int.Parse(port, System.Globalization.CultureInfo.InvariantCulture))) psi.Environment[k] = v;
                psi.Environment["NCCL_NVLS_ENABLE"] = "0";
                int rank = r;
                var child = new Process { StartInfo = psi, EnableRaisingEvents = true };
                child.OutputDataReceived += (_, e) => { if (e.Data != null) lock (gate) Console.Out.WriteLine($"[rank {rank}] {e.Data}"); };
                child.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (gate) Console.Error.WriteLine($"[rank {rank}] {e.Data}"); };
                if (!child.Start()) throw new InvalidOperationException($"could not start rank {r} ({exe})");
                child.BeginOutputReadLine();
                child.BeginErrorReadLine();
                children[r] = child;
            }
            var running = new HashSet<int>(Enumerable.Range(0, gpus));
            while (running.Count > 0)
            {
                foreach (int r in running.ToArray())
                {
                    if (!children[r].HasExited) continue;
                    children[r].WaitForExit(); // drains the redirected output
                    running.Remove(r);
                    int code = children[r].ExitCode;
                    if (code != 0)
                    {
                        lock (gate) Console.Error.WriteLine($"mambair: rank {r} failed (exit code {code}); stopping the other ranks");
                        KillAll();
                        foreach (var c in children) c.WaitForExit();
                        return code;
                    }
                }
                Thread.Sleep(100);
            }
            return 0;
        }
        finally
        {
            Console.CancelKeyPress -= cancel;
            KillAll();
            foreach (var c in children) c?.Dispose();
        }
    }

    /// <summary>How to start this program again: the apphost itself, or <c>dotnet mambair.dll</c>.</summary>
    static (string Exe, string[] Prefix) Self()
    {
        string process = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which program to start for the ranks");
        if (Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            return (process, [Assembly.GetEntryAssembly()!.Location]);
        return (process, []);
    }

    static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
