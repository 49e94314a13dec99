/*
 * MKL, which libtorch links in for fp32 matrix products, chooses its kernels by CPU vendor rather than
 * by instruction set: on an AMD CPU it keeps a generic AVX2 path even when the CPU has AVX-512, which
 * makes every `linear` and `matmul` here up to 1.6x slower than the CPU allows (docs/performance.md).
 * MKL asks this one function whether the CPU is Intel's; preloaded (LD_PRELOAD) ahead of libtorch it
 * answers yes, and MKL then picks its kernels by the features the CPU reports (CPUID), as it does on
 * Intel. Nothing else changes: the same functions run, with wider vectors.
 *
 * Built and preloaded by scripts/mkl-amd.sh for ./dlab, ./test.sh, ./lab.sh and the Jupyter kernel;
 * DLAB_MKL_AMD=0 turns it off.
 */
int mkl_serv_intel_cpu_true(void) { return 1; }
