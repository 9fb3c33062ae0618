namespace MambaIR.Text;

/// <summary>What the dataset does with a label holding characters outside the TextZoom alphabet
/// (<c>[0-9a-zA-Z]</c> plus the 32 ASCII punctuation characters).</summary>
public enum TextZoomLabelPolicy
{
    /// <summary>Skip the sample with a <see cref="TextZoomSampleException"/> naming it and the characters (counted as skipped).</summary>
    Reject,
    /// <summary>Drop the characters, as the original loaders' <c>str_filt(label, 'all')</c> does; an empty result is still rejected.</summary>
    Filter,
}
