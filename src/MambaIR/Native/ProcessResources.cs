using System.Diagnostics;

namespace MambaIR.Native;

/// <summary>
/// What this process has used so far: resident set (now and its peak, Linux <c>/proc/self/status</c> VmRSS / VmHWM),
/// CPU time in user and system mode (all threads), and page faults (<c>/proc/self/stat</c>). Values the platform does not
/// give are null.
/// </summary>
public sealed record ProcessResources(long? ResidentBytes, long? PeakResidentBytes, TimeSpan UserTime, TimeSpan SystemTime,
    long? MinorFaults, long? MajorFaults)
{
    /// <summary>A snapshot now.</summary>
    public static ProcessResources Now()
    {
        using var p = Process.GetCurrentProcess();
        var (minor, major) = Faults();
        return new ProcessResources(Status("VmRSS:"), Status("VmHWM:"), p.UserProcessorTime, p.PrivilegedProcessorTime, minor, major);
    }

    /// <summary>
    /// Resets the peak resident set (VmHWM) to the current resident set (Linux: writes 5 to <c>/proc/self/clear_refs</c>),
    /// so that a later <see cref="PeakResidentBytes"/> is the peak since this call. Returns false where that is not possible.
    /// </summary>
    public static bool ResetPeak()
    {
        try
        {
            if (!OperatingSystem.IsLinux()) return false;
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    static long? Status(string key)
    {
        try
        {
            if (!OperatingSystem.IsLinux()) return null;
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith(key, StringComparison.Ordinal))
                    return long.Parse(line.AsSpan(key.Length).Trim().TrimEnd("kB").Trim()) * 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { }
        return null;
    }

    /// <summary>minflt and majflt: fields 10 and 12 of /proc/self/stat (counted after the parenthesised command name).</summary>
    static (long?, long?) Faults()
    {
        try
        {
            if (!OperatingSystem.IsLinux()) return (null, null);
            string stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // fields[0] is field 3 (state): minflt is field 10, majflt field 12.
            return (long.Parse(fields[7]), long.Parse(fields[9]));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException) { return (null, null); }
    }
}
