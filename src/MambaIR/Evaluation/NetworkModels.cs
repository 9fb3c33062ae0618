using static TorchSharp.torch;

namespace MambaIR.Evaluation;

/// <summary>Loads a MambaIR checkpoint as a <see cref="NetworkRestorer"/>.</summary>
public static class NetworkModels
{
    /// <summary>Loads <paramref name="path"/> onto <paramref name="device"/> under <paramref name="procedure"/>.</summary>
    public static LoadedRestorer Load(string path, RestorationTask task, TestProcedure procedure, Device device) =>
        throw new NotSupportedException("TEMPORARY: checkpoint loading is wired when MambaIR.Models.ModelLoader lands");
}
