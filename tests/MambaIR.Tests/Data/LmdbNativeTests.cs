using MambaIR.Data;
using MambaIR.Native;

namespace MambaIR.Tests.Data;

public class LmdbNativeTests
{
    static string PackagedLmdb()
    {
        string p = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "liblmdb.so");
        Assert.True(File.Exists(p), $"LightningDB's liblmdb.so not found at {p}");
        return p;
    }

    [Fact]
    public void RedirectsC23SymbolsAndRelaxesTheirVersion()
    {
        byte[] elf = File.ReadAllBytes(PackagedLmdb());
        bool needs238 = ElfVersionPatcher.ReadNeeds(elf).Any(n => n.Version == "GLIBC_2.38");
        var redirected = Glibc23SymbolPatcher.Patch(elf);
        if (!needs238) { Assert.Empty(redirected); return; }   // a future package built against an older glibc
        Assert.Contains("__isoc23_strtol", redirected);
        Assert.All(ElfVersionPatcher.ReadNeeds(elf).Where(n => n.Version == "GLIBC_2.38"), n => Assert.True(n.IsWeak));
        Assert.Empty(Glibc23SymbolPatcher.Patch(elf));          // idempotent: nothing left to redirect
        var text = System.Text.Encoding.ASCII.GetString(elf);
        Assert.Contains("__isoc23_strtol", text);               // the string stays; the symbol now points at its "strtol" suffix
    }

    [Fact]
    public void LoadsAndLightningDbWorks()
    {
        LmdbNative.EnsureLoaded();
        Assert.NotNull(LmdbNative.LoadedPath);
        LmdbNative.EnsureLoaded(); // idempotent
    }

    [Fact]
    public void RejectsNonElf() => Assert.Throws<InvalidDataException>(() => Glibc23SymbolPatcher.Patch(new byte[100]));
}
