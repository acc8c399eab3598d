# A libtorch whose headers do not compile, for tests/gpu-check/run.sh: the
# libtorch build must fail file by file (ninja -k 0) and report its first error.
add_library(ecopt_broken_torch INTERFACE IMPORTED)
set_target_properties(ecopt_broken_torch PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${CMAKE_CURRENT_LIST_DIR}/include)
set(TORCH_LIBRARIES ecopt_broken_torch)
set(Torch_FOUND TRUE)
