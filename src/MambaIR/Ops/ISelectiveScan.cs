namespace MambaIR.Ops;

/// <summary>A selective-scan backend. Outputs must support autograd with respect to every tensor input.</summary>
public interface ISelectiveScan
{
    /// <summary>Short name shown by <c>mambair info</c> and benchmarks (e.g. "reference", "cpu").</summary>
    string Name { get; }
    /// <summary>Whether this backend handles these inputs (device, dtype).</summary>
    bool CanRun(SelectiveScanInputs inputs);
    SelectiveScanResult Run(SelectiveScanInputs inputs);
}
