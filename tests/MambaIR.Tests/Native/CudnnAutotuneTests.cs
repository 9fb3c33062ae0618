using MambaIR.Native.Cuda;

namespace MambaIR.Tests.Native;

/// <summary>Changes libtorch's process-wide cuDNN switch and an environment variable: runs alone.</summary>
[CollectionDefinition("cudnn-switch", DisableParallelization = true)]
public sealed class CudnnSwitchCollection { }

/// <summary>
/// The cuDNN autotuning switch reached through libtorch's <c>at::Context</c> (present in the CPU libtorch as well): what
/// is set is what libtorch's own getter reads back, and the environment variable is applied or refused with its name.
/// </summary>
[Collection("cudnn-switch")]
public class CudnnAutotuneTests
{
    public CudnnAutotuneTests() => MambaIR.Native.TorchRuntime.EnsureInitialized();

    [Fact]
    public void Set_is_read_back_by_libtorch()
    {
        bool initial = CudnnAutotune.Enabled ?? throw new Xunit.Sdk.XunitException("libtorch's cuDNN switch was not found");
        try
        {
            Assert.True(CudnnAutotune.Set(true));
            Assert.True(CudnnAutotune.Enabled);
            Assert.True(CudnnAutotune.Set(false));
            Assert.False(CudnnAutotune.Enabled);
        }
        finally { CudnnAutotune.Set(initial); }
    }

    [Fact]
    public void Training_turns_autotuning_on_unless_the_environment_says_off()
    {
        bool initial = CudnnAutotune.Enabled!.Value;
        string? saved = Environment.GetEnvironmentVariable(CudnnAutotune.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(CudnnAutotune.EnvironmentVariable, null);
            CudnnAutotune.Set(false);
            Assert.StartsWith("cuDNN autotuning: on, as BasicSR trains", CudnnAutotune.ForTraining());
            Assert.True(CudnnAutotune.Enabled);
            Environment.SetEnvironmentVariable(CudnnAutotune.EnvironmentVariable, "0");
            Assert.Equal($"cuDNN autotuning: off ({CudnnAutotune.EnvironmentVariable})", CudnnAutotune.ForTraining());
            Assert.False(CudnnAutotune.Enabled);
        }
        finally
        {
            Environment.SetEnvironmentVariable(CudnnAutotune.EnvironmentVariable, saved);
            CudnnAutotune.Set(initial);
        }
    }

    [Fact]
    public void The_environment_variable_is_applied_or_refused_by_name()
    {
        bool initial = CudnnAutotune.Enabled!.Value;
        string? saved = Environment.GetEnvironmentVariable(CudnnAutotune.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(CudnnAutotune.EnvironmentVariable, "on");
            Assert.True(CudnnAutotune.ApplyEnvironment());
            Environment.SetEnvironmentVariable(CudnnAutotune.EnvironmentVariable, "0");
            Assert.False(CudnnAutotune.ApplyEnvironment());
            Environment.SetEnvironmentVariable(CudnnAutotune.EnvironmentVariable, null);
            Assert.False(CudnnAutotune.ApplyEnvironment()); // unset: left as it is
            Environment.SetEnvironmentVariable(CudnnAutotune.EnvironmentVariable, "fast");
            var e = Assert.Throws<ArgumentException>(() => CudnnAutotune.ApplyEnvironment());
            Assert.Contains(CudnnAutotune.EnvironmentVariable, e.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(CudnnAutotune.EnvironmentVariable, saved);
            CudnnAutotune.Set(initial);
        }
    }
}
