#error "a libtorch that does not compile (tests/gpu-check/broken-libtorch)"
