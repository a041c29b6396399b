include(GoogleTest)

# sluice_unit_test(NAME name SOURCES a.cc b.cc LIBS lib...)
# One GoogleTest binary per layer, one ctest entry (labelled "unit") running all of its tests in
# one process: started once per TEST, as gtest_discover_tests does, a sanitizer binary spent more
# time starting than testing (~0.3 s a start, 600+ tests). ctest --output-on-failure shows
# GoogleTest's own report of which TEST failed; run the binary with --gtest_filter to repeat one.
# With SLUICE_UNIT_TESTS off (the release tree of `make test`, whose unit tests the sanitizer tree
# runs) the binary is still defined but not built by default, and registers no tests.
function(sluice_unit_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS" ${ARGN})
  if(SLUICE_UNIT_TESTS)
    add_executable(${T_NAME} ${T_SOURCES})
  else()
    add_executable(${T_NAME} EXCLUDE_FROM_ALL ${T_SOURCES})
  endif()
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main GTest::gmock Threads::Threads)
  if(SLUICE_UNIT_TESTS)
    add_test(NAME ${T_NAME} COMMAND ${T_NAME} --gtest_brief=1)
    set_tests_properties(${T_NAME} PROPERTIES LABELS unit TIMEOUT 900)
  endif()
endfunction()
