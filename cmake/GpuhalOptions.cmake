# Warnings and sanitizer flags shared by every gpuhal target.
add_library(gpuhal_build_options INTERFACE)
target_compile_options(gpuhal_build_options INTERFACE
  -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers)

if("${GPUHAL_SANITIZER}" STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif("${GPUHAL_SANITIZER}" STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT "${GPUHAL_SANITIZER}" STREQUAL "")
  message(FATAL_ERROR "GPUHAL_SANITIZER must be '', 'address' or 'thread', not '${GPUHAL_SANITIZER}'")
endif()

# gpuhal_test(NAME SOURCES... LIBS...) : one GoogleTest binary registered with CTest.
function(gpuhal_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gmock GTest::gtest_main
                        gpuhal_build_options)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)
endfunction()
