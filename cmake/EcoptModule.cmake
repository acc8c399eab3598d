# ecopt_add_module(NAME SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# One shared library per module, ecopt_<NAME>, exported as ecopt::<NAME>.
#
# Shared, not static, because of the libtorch tasks: they live in a module
# that is opened with dlopen only when a study needs them
# (src/tasks/torch_module.hpp), and that module calls back into tasks,
# energy and core. With shared modules every process (the CLI, a test, a
# find_package consumer, the Python package) holds exactly one copy of
# each module whoever loads it, and the plugin finds them by name. The
# alternative, a static executable exporting its symbols (-rdynamic), would
# work for the CLI only: a test or a Python extension that links the core
# statically would need the same trick, and the plugin would resolve
# against whichever copy happened to be global. --no-undefined keeps the
# one-way module order honest: a module that calls a module it does not
# link fails to link.
set(ECOPT_MODULES "" CACHE INTERNAL "")
set(ECOPT_LIBRARY_DIR ${PROJECT_BINARY_DIR}/lib CACHE INTERNAL "")
function(ecopt_add_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  set(target ecopt_${name})
  add_library(${target} SHARED ${ARG_SOURCES})
  add_library(ecopt::${name} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name}
    LIBRARY_OUTPUT_DIRECTORY ${ECOPT_LIBRARY_DIR}
    INSTALL_RPATH "$ORIGIN")
  target_link_options(${target} PRIVATE -Wl,--no-undefined)
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:include>)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  target_link_libraries(${target} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  set(ECOPT_MODULES ${ECOPT_MODULES} ${target} CACHE INTERNAL "")
endfunction()

# ecopt_add_test(NAME SOURCES ... DEPS ...): one GoogleTest binary per module,
# with the host-independent main of tests/host_free_main.cpp.
function(ecopt_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} ecopt_test_main GTest::gtest GTest::gmock)
  # tests/support/: what tests of several modules share (subprocess.hpp,
  # optional_component.hpp, ...), included by name or as support/NAME
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests ${PROJECT_SOURCE_DIR}/tests/support)
  # Any test may open a postgresql:// URL, which loads this plugin.
  add_dependencies(${name} ecopt_postgres)
  target_compile_definitions(${name} PRIVATE
    ECOPT_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    ECOPT_BINARY_DIR="${PROJECT_BINARY_DIR}")
  gtest_discover_tests(${name} TEST_PREFIX "${name}." DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 600)
endfunction()
