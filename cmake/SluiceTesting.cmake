include(GoogleTest)

# sluice_unit_test(NAME name SOURCES a.cc b.cc LIBS lib...)
# One GoogleTest binary per layer; every TEST becomes its own ctest entry labelled "unit".
function(sluice_unit_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main GTest::gmock Threads::Threads)
  gtest_discover_tests(${T_NAME} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit TIMEOUT 300)
endfunction()
