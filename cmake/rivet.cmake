# Shared helpers: one static library per module, one gtest binary per module.
set(RIVET_WARNINGS -Wall -Wextra -Wpedantic -Werror=unused-result -Wno-missing-field-initializers)

# Asio/Beast are compiled once (see src/common/asio_impl.cpp, src/common/beast_impl.cpp).
add_compile_definitions(BOOST_ASIO_SEPARATE_COMPILATION BOOST_BEAST_SEPARATE_COMPILATION
                        BOOST_ASIO_NO_DEPRECATED BOOST_URL_NO_LIB
                        JSON_USE_IMPLICIT_CONVERSIONS=0)

# rivet_add_module(NAME SOURCES ... DEPS ...)
function(rivet_add_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(rivet_${name} STATIC ${ARG_SOURCES})
  add_library(rivet::${name} ALIAS rivet_${name})
  target_include_directories(rivet_${name}
    PUBLIC ${PROJECT_SOURCE_DIR}/include
    PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(rivet_${name} PRIVATE ${RIVET_WARNINGS})
  target_link_libraries(rivet_${name} PUBLIC ${ARG_DEPS})
endfunction()

# rivet_add_test(NAME SOURCES ... DEPS ...)
function(rivet_add_test name)
  if(NOT RIVET_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${name} PRIVATE ${RIVET_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
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
