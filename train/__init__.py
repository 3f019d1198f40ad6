"""Training: ``python -m train`` (see `train.__main__`).

* `config`: `TrainConfig`, the one home of every option (the command line is derived from it);
* `pairs`: clean photos degraded on the fly by the simulator, in worker processes (`PairBank`);
* `pix2pix`: the GAN as a `keras.Model` with `train_step` (L1 + SSIM, optional PatchGAN loss);
* `run`: the training loop, checkpoints, validation and resume;
* `export`: the model folder that `restore.load_restorer` reads, and the push to the Hub;
* `slim`: structured channel pruning of a trained generator.
"""
