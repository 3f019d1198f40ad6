"""The restoration engine: the network, its weights, and running it on pictures.

* `model`: the U-Net generator and PatchGAN discriminator builders, from `GeneratorConfig`;
* `weights`: where a model comes from (bundled folder, local folder, Hugging Face Hub) and
  loading it safely (no pickles, no code from files);
* `restorer`: `Restorer` (pre-process, tile, run, post-process) and `load_restorer`;
* `tiling`: overlapping tiles for large images, blended without seams;
* `precision`: the network run in float32, bfloat16 or int8, and ``auto``'s choice;
* `folding`: the generator copied for inference, its batch normalisations folded;
* `timebase`: line alignment, the time-base correction that runs before the network.

TensorFlow is imported by `model`, `restorer`, the runners of `precision`,
`folding.fold_normalization` and `weights.load_generator` only, never at ``import restore``.
"""
