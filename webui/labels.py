"""The Degrade tab's words: a label and a one-line explanation for every simulator setting
(one slider per strength, one dropdown per form option) and a heading for each stage of the
damage. Plain data; `webui.degrade_tab` lays them out and `webui.degrade_handlers` writes the
/degrade API description from them."""

from __future__ import annotations

# Human labels (label, info) of every strength: one slider each.
STRENGTH_LABELS = {
    "interlace": ("Interlace", "the two fields displaced sideways (motion between fields)"),
    "side_borders": ("Side borders", "black blanking at the left and right edges"),
    "softness": ("Softness", "low luma bandwidth: soft, low-resolution detail"),
    "blur": ("Blur", "optical or digital blur of the whole picture"),
    "chroma_smear": ("Chroma smear", "colour smeared along the lines (colour-under bandwidth)"),
    "ringing": ("Ringing", "over-sharpening halos and echoes"),
    "grain": ("Grain and snow", "luma grain, streaky chroma noise, snow specks"),
    "noise": ("Noise", "sensor or transmission noise: Gaussian, Poisson or chroma"),
    "dropouts": ("Dropouts", "short white streaks where the tape lost oxide"),
    "tracking": ("Tracking error", "a band of noise and sideways displacement"),
    "jitter": ("Line jitter", "time-base error: lines shifted sideways"),
    "line_offsets": ("Line offsets", "blocks of lines shifted sideways: a staircase or a wave"),
    "top_skew": ("Top skew (flagging)", "the top lines bent sideways"),
    "head_switching": ("Head switching", "the bottom lines torn sideways, with noise"),
    "chroma_delay": ("Chroma delay", "colour shifted right of the picture: coloured fringes"),
    "tint_band": ("Tint band", "a tinted band over the top of the picture"),
    "color_band": ("Colour band", "a band with RGB channels lost, a tint or a wash of colour"),
    "levels": ("Levels and cast", "lifted blacks, washed colours, colour cast"),
    "pal_aspect": ("PAL aspect", "squeezed to the anamorphic 720-sample grid and back"),
    "resample": ("Resampling", "scaled down and up again: blur, aliasing, blocky edges"),
    "channel_shift": ("Channel shift", "R, G and B planes misregistered by whole pixels"),
    "posterize": ("Posterisation", "too few levels per channel: banding, lifted black floor"),
    "speckle": ("Speckle", "pixel specks of digitisation: salt and pepper, dark or bright"),
    "line_streaks": ("Line streaks", "streaks of corrupted lines: noise, repeated or torn lines"),
    "compression": ("Capture compression", "JPEG blocking of the capture card"),
    "second_pass": ("Second pass", "blur, noise, resampling and JPEG once more, as in a re-digitised copy"),
}
# Labels of the form options (a dropdown each, beside its artifact's slider).
FORM_LABELS = {
    "blur_kernel": ("Blur kernel", "gaussian, box, or anisotropic (a rotated Gaussian)"),
    "noise_kind": ("Noise kind", "gaussian, poisson (stronger in bright areas) or streaky chroma noise"),
    "ringing_form": ("Ringing form", "peaking (overshoot and echo) or sinc (ripples along every edge)"),
    "skew_profile": ("Skew profile", "how the bend grows toward the top edge"),
    "band_form": ("Band form", "channel loss (one or two RGB channels gone), tint, or added colour"),
    "band_position": ("Band position", "where the band lies: top, middle or bottom"),
    "line_offset_form": ("Offset form", "a staircase of line blocks or a sine wave"),
    "speckle_kind": ("Speckle kind", "impulse (salt and pepper), dark or bright specks"),
    "resample_filter": ("Resampling filter", "the filter used to scale down and up"),
}
ANY_LABEL = "any (drawn from the seed)"  # how the dropdowns show the choice "any"
SHUFFLE_LABEL = ("Shuffle order", "apply the artifacts of each stage in a random order (drawn from the seed)")
TINT_HUE_LABEL = ("Tint band hue (degrees)", "about 35 = magenta, 215 = green")
# Headings of the simulator's stages, in the order the damage happens.
STAGE_TITLES = {
    "scene": "Scene",
    "recording": "Recording",
    "tape": "Tape",
    "deck": "Playback deck",
    "capture": "Capture and digitisation",
}

