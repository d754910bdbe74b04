# Helpers shared by every module's CMakeLists.txt.

# postino_library(NAME SOURCES a.cpp b.cpp DEPS postino_base OpenSSL::SSL ...)
# Defines library target NAME; headers are included as "module/file.hpp"
# relative to src/.
option(POSTINO_SKIP_MISSING_SOURCES "Development only: skip modules with missing sources" OFF)

function(postino_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  if(POSTINO_SKIP_MISSING_SOURCES)
    foreach(_src ${ARG_SOURCES})
      if(NOT EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${_src})
        message(WARNING "${name}: ${_src} missing; module skipped")
        return()
      endif()
    endforeach()
  endif()
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# postino_unit_test(NAME SOURCES x_test.cpp DEPS postino_x)
# One GoogleTest executable, registered with CTest under NAME.
function(postino_unit_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  if(POSTINO_SKIP_MISSING_SOURCES)
    foreach(_src ${ARG_SOURCES})
      if(NOT EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${_src})
        message(WARNING "${name}: ${_src} missing; test skipped")
        return()
      endif()
    endforeach()
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/src ${CMAKE_SOURCE_DIR}/tests/unit)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS unit
    ENVIRONMENT "POSTINO_TEST_TMP=${CMAKE_BINARY_DIR}/test-tmp;POSTINO_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endfunction()

# postino_fuzz_target(NAME SOURCE target.cpp DEPS postino_mime)
# With POSTINO_FUZZ (clang): a libFuzzer binary fuzz_NAME.
# Otherwise: fuzz_NAME_replay, which runs every file of fuzz/NAME/corpus once
# through LLVMFuzzerTestOneInput; CTest runs it, so the seed corpus is part of
# every test run (and of the sanitizer run).
function(postino_fuzz_target name)
  cmake_parse_arguments(ARG "" "SOURCE" "DEPS" ${ARGN})
  if(POSTINO_FUZZ)
    add_executable(fuzz_${name} ${ARG_SOURCE})
    target_link_libraries(fuzz_${name} PRIVATE ${ARG_DEPS})
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
  else()
    add_executable(fuzz_${name}_replay ${ARG_SOURCE} ${CMAKE_SOURCE_DIR}/fuzz/replay_main.cpp)
    target_link_libraries(fuzz_${name}_replay PRIVATE ${ARG_DEPS})
    add_test(NAME fuzz_${name}_corpus
             COMMAND fuzz_${name}_replay ${CMAKE_CURRENT_SOURCE_DIR}/corpus)
    set_tests_properties(fuzz_${name}_corpus PROPERTIES LABELS fuzz)
  endif()
endfunction()
