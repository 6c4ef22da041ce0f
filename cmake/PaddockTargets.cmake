# One short declarative block per target.
#
#   paddock_library(NAME name SRCS a.cc b.cc DEPS other_lib ...)
#   paddock_test(NAME name KIND UNIT SRCS a_test.cc DEPS lib ...)
#
# Tests get a ctest label named after their kind, so `ctest -L unit` selects a tier.

function(paddock_library)
  cmake_parse_arguments(P "" "NAME" "SRCS;DEPS" ${ARGN})
  add_library(${P_NAME} STATIC ${P_SRCS})
  target_include_directories(${P_NAME} PUBLIC ${CMAKE_SOURCE_DIR}/src ${CMAKE_SOURCE_DIR}/include)
  target_compile_options(${P_NAME} PRIVATE ${PADDOCK_WARNINGS})
  target_link_libraries(${P_NAME} PUBLIC ${P_DEPS})
endfunction()

function(paddock_test)
  cmake_parse_arguments(P "" "NAME;KIND" "SRCS;DEPS" ${ARGN})
  add_executable(${P_NAME} ${P_SRCS})
  set_target_properties(${P_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_compile_options(${P_NAME} PRIVATE ${PADDOCK_WARNINGS})
  target_link_libraries(${P_NAME} PRIVATE ${P_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  string(TOLOWER ${P_KIND} label)
  add_test(NAME ${P_NAME} COMMAND ${P_NAME})
  set_tests_properties(${P_NAME} PROPERTIES LABELS ${label} TIMEOUT 120)
endfunction()
