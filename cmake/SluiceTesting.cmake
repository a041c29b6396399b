include(GoogleTest)

# sluice_unit_test(NAME name SOURCES a.cc b.cc LIBS lib...)
# One GoogleTest binary per layer; every TEST becomes its own ctest entry labelled "unit".
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
    gtest_discover_tests(${T_NAME} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit TIMEOUT 300)
  endif()
endfunction()
