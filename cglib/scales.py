"""Every scale table in one place: what ``smoke``, ``cpu`` and ``paper`` mean for each experiment.

* ``smoke``: seconds, for tests and CI;
* ``cpu``:   the default, shows the phenomenon on 2 CPU cores in minutes;
* ``paper``: what the paper-era code ran (its network, inputs, sampler, optimiser and budget), for a GPU
  (book/03_diffusion lists what still differs from that code: the data, the judge's training set, details).

``EXPERIMENT`` holds the config fields of one training run (``config.preset`` applies them);
the other tables hold what a chapter's experiment adds on top: the count sweeps of Fig. 8
(``FREQUENCY``), the adversarial run and its fine-tunes of Fig. 9 (``FINETUNE``) and the CelebA
run of Fig. 10 (``CELEBA``).  This module is data only; it imports nothing.

Used in: every chapter (through ``config.preset``, ``frequency``, ``finetune`` and ``celeba``).
"""

SCALES = ("smoke", "cpu", "paper")

#: Evaluation shared by the cpu preset: 200 samples per class at the end (a verdict's standard error
#: is then about 0.03), and the furthest class also judged under five overprompting strengths.
_CPU_EVAL = dict(eval_every=160, n_eval=40, n_eval_final=200, overprompt=(1.25, 1.5, 2.0, 2.5, 3.0))

EXPERIMENT = {
    # seconds: for tests and CI
    "smoke": dict(width=8, attention=False, T=50, sample_steps=5, n_train=256, epochs=1.0, batch=32,
                  eval_every=4, n_eval=4, grid_k=4, ema=0.9),
    # the book's default on 2 CPU cores: the candidate recipe_search/seed_search.py chose on seeds 0-2
    # (`b64_drawn_ratio59`; the book's research log, book/research_log): value coordinates through one MLP,
    # FiLM in every block, v target; conditioned on each training image's drawn colour and size, with sizes
    # spread inside each size value and small objects in the paper's small/large ratio (mid radii 0.17 / 0.29)
    "cpu": dict(width=32, cond="film", cond_embed="mlp", cond_values="drawn", attention=False, T=400, target="v",
                sample_steps=20, n_train=5000, epochs=25.0, batch=64, lr=2e-3, ema=0.995,
                size_large=(0.24, 0.34), size_small=(0.15, 0.19), **_CPU_EVAL),
    # what the paper-era code ran (phys-ai/concept_graphs, train.py of d36dae0; book/03_diffusion lists what
    # still differs): its ContextUnet at n_feat 256 (26M trained parameters), per-variable EmbedFC networks
    # multiplying the up path, frozen at their random init, fed one-hot shape, RGB colour and size (official.py);
    # images in [0, 1]; 500 noise steps, epsilon target; Adam (default betas, no weight decay) at lr 1e-4 decayed
    # linearly to 0, batch 64, no EMA, 100 epochs of the 2500 images its training loader holds (of the 5000 it
    # draws, the other half feeds a loader its default flags never use); sampled ancestrally over all 500 steps
    # with variance beta_t and nothing clipped.  Judged every 25 epochs (the code: every epoch) on 64 samples
    # per class, as the code, and at the end on 200, so that 500-step sampling of the 26M network fits a GPU
    # call (benchmarks/gpu_chapter4.py); each evaluation also gives the code's own judge's reading (acc_official).
    "paper": dict(arch="context_unet", width=256, cond="multiply", cond_embed="per_variable_mlp", cond_frozen=True,
                  cond_values="official", attention=False, T=500, target="eps", sampler="ddpm_beta", sample_steps=50,
                  data_range="[0, 1]", n_train=2500, epochs=100.0, batch=64, lr=1e-4, lr_schedule="linear",
                  beta2=0.999, weight_decay=0.0, ema=0.0, eval_every=977, n_eval=64, n_eval_final=200,
                  size_small=(0.155, 0.185),  # small/large radius 0.59, as 1.6/2.7 in Blender
                  precision="bf16"),  # bf16 autocast (the code: fp32): what fits three seeds in one GPU call
}

#: Fig. 8: the counts swept, the count of every other training class, the steps of each point, and
#: preset overrides (fewer, smaller evaluations than a chapter-4 run).
FREQUENCY = {
    "smoke": dict(counts=(0, 8, 32), base_count=64, steps=8, overrides={}),
    "cpu": dict(counts=(0, 10, 30, 100, 300), base_count=1250, steps=800,
                overrides=dict(eval_every=200, n_eval=24, overprompt=())),
    "paper": dict(counts=(0, 5, 10, 20, 50, 100, 200, 300), base_count=1250, steps=7813, overrides={}),
}

#: Fig. 9: steps of the adversarial run, steps of each fine-tune, and preset overrides.
FINETUNE = {
    "smoke": dict(base_steps=8, ft_steps=8, overrides={}, ft_overrides={}),
    "cpu": dict(base_steps=960, ft_steps=400, overrides=dict(eval_every=160, n_eval=32, overprompt=()),
                ft_overrides=dict(eval_every=80)),
    "paper": dict(base_steps=7813, ft_steps=1563, overrides={}, ft_overrides={}),
}

#: Fig. 10: image side, stand-in size, steps, and preset overrides.
CELEBA = {
    "smoke": dict(image_size=16, standin_n=160, steps=8, overrides=dict(classifier_steps=40)),
    "cpu": dict(image_size=32, standin_n=3000, steps=960,
                overrides=dict(eval_every=120, n_eval=24, overprompt=(), cond_values="nominal")),
    "paper": dict(image_size=64, standin_n=3000, steps=20000, overrides=dict(eval_every=500, cond_values="nominal")),
}

#: The paper's code's network in place of this library's U-Net, everything else of a preset kept (chapter 4,
#: "The paper's own network"): ContextUnet at the preset's width, its multiplying per-variable condition
#: networks frozen at their random initialisation as in the paper-era code, fed the code's own inputs
#: (one-hot shape, RGB colour, size in scene units; official.py), attention off (its default).
PAPER_NETWORK = dict(arch="context_unet", cond="multiply", cond_embed="per_variable_mlp", cond_frozen=True,
                     cond_values="official", attention=False)

#: What those runs also judge: fresh samples of the paper's code's sampler (ancestral over all T steps, T
#: network calls a sample: 20x DDIM-20 at `cpu`) at a few evaluations and at the end, n_eval per class.
#: At `paper` the preset samples that way already.
PAPER_NETWORK_READING = {"smoke": dict(second_sampler="ddpm_beta"),
                         "cpu": dict(second_sampler="ddpm_beta", second_sampler_every=800),
                         "paper": dict()}

#: Chapter 8's scale axis (cglib/scaling.py): the widths each corner is trained at, on these seeds, and the extra
#: seeds of the minimal set at the preset's own width that the retention count reads (six in all at `cpu`).
#: At `paper` a GPU trains the paper preset instead (benchmarks/gpu_chapter4.py), a point the figure takes.
SCALE_AXIS = {
    "smoke": dict(widths=(8, 16), seeds=(0, 1), retention_seeds=(2,)),
    "cpu": dict(widths=(16, 32), seeds=(0, 1, 2), retention_seeds=(3, 4, 5)),
    "paper": dict(widths=(), seeds=(0, 1, 2), retention_seeds=()),
}
