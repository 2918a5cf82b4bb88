# Shared helpers: one static library per module, one gtest binary per module.
set(RIVET_WARNINGS -Wall -Wextra -Wpedantic -Werror=unused-result -Wno-missing-field-initializers)
# Test code (not the libraries it tests) is compiled for debugging rather than speed: -Og after
# the build type's -O2 takes about a third off each test file's compile time, and the test files
# are most of what the cold build of `make test` compiles. The code under test keeps -O2.
set(RIVET_TEST_OPTIONS ${RIVET_WARNINGS})
if(CMAKE_BUILD_TYPE MATCHES "^(Release|RelWithDebInfo)$")
  list(APPEND RIVET_TEST_OPTIONS -Og)
endif()

# Asio/Beast are compiled once (see src/common/asio_impl.cpp, src/common/beast_impl.cpp).
set(RIVET_PUBLIC_DEFINITIONS BOOST_ASIO_SEPARATE_COMPILATION BOOST_BEAST_SEPARATE_COMPILATION
                             BOOST_ASIO_NO_DEPRECATED BOOST_URL_NO_LIB
                             JSON_USE_IMPLICIT_CONVERSIONS=0)
add_compile_definitions(${RIVET_PUBLIC_DEFINITIONS})
include(GNUInstallDirs)

# Private headers stay private. A module's private headers are included as "<module>/x.hpp", but
# the module does not get src/ as include path (that would let it reach every other module's
# private headers too). Instead the build tree holds, per module, a directory whose only entry is
# a symlink <module> -> src/<module>; that directory is the module's one private include path. So
# "core/x.hpp" compiles inside src/core (library and tests) and fails everywhere else.
# scripts/lint-invariants.sh states the same rule for the sources.
#
# rivet_private_include_dir(OUT): the private include directory of the module whose folder is
# CMAKE_CURRENT_SOURCE_DIR (the folder name is the module name).
function(rivet_private_include_dir out)
  get_filename_component(module ${CMAKE_CURRENT_SOURCE_DIR} NAME)
  set(dir ${CMAKE_BINARY_DIR}/private-include/${module})
  file(MAKE_DIRECTORY ${dir})
  file(CREATE_LINK ${CMAKE_CURRENT_SOURCE_DIR} ${dir}/${module} SYMBOLIC)
  set(${out} ${dir} PARENT_SCOPE)
endfunction()

# rivet_add_module(NAME SOURCES ... DEPS ...), called from src/NAME/CMakeLists.txt.
function(rivet_add_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  get_filename_component(folder ${CMAKE_CURRENT_SOURCE_DIR} NAME)
  if(NOT folder STREQUAL name)
    message(FATAL_ERROR "rivet_add_module(${name}) must be called from src/${name}")
  endif()
  rivet_private_include_dir(private_dir)
  add_library(rivet_${name} STATIC ${ARG_SOURCES})
  add_library(rivet::${name} ALIAS rivet_${name})
  target_include_directories(rivet_${name}
    PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:include>
    PRIVATE ${private_dir})
  target_compile_options(rivet_${name} PRIVATE ${RIVET_WARNINGS})
  # A program built against the installed headers must compile them the way the library did.
  target_compile_definitions(rivet_${name} INTERFACE ${RIVET_PUBLIC_DEFINITIONS})
  target_link_libraries(rivet_${name} PUBLIC ${ARG_DEPS})
  # Installed as rivetkit::<name> (cmake/install.cmake).
  set_target_properties(rivet_${name} PROPERTIES EXPORT_NAME ${name})
  install(TARGETS rivet_${name} EXPORT rivetkitTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
endfunction()

# rivet_add_test(NAME SOURCES ... DEPS ...), called from a module's folder: the test sees that
# module's private headers, and the shared test helpers of tests/support ("testing/x.hpp").
function(rivet_add_test name)
  if(NOT RIVET_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  rivet_private_include_dir(private_dir)
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${private_dir})
  target_compile_options(${name} PRIVATE ${RIVET_TEST_OPTIONS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} rivet::test_support GTest::gtest
                                        GTest::gtest_main)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
    PROPERTIES ENVIRONMENT "RIVET_SHARED_DIR=${PROJECT_SOURCE_DIR}/../shared")
endfunction()

# rivet_use_jemalloc(TARGET): the project's own server binaries allocate with jemalloc (Debian
# libjemalloc-dev) when RIVET_JEMALLOC is on: a server allocates and frees small objects on
# several threads all the time, and glibc's malloc took ~20 % of its CPU (docs/benchmarks.md).
# The library itself never imposes an allocator on an application, and sanitizer builds keep
# their own (RIVET_JEMALLOC is off in those presets).
function(rivet_use_jemalloc target)
  if(RIVET_JEMALLOC AND JEMALLOC_LIBRARY)
    target_link_libraries(${target} PRIVATE ${JEMALLOC_LIBRARY})
  endif()
endfunction()
