# Installed layout: include/gpuhal/*.h, lib/libgpuhal_*.a, lib/cmake/gpuhal/.
