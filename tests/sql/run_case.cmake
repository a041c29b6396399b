# Runs one case folder of tests/sql/ with `sluice test -s statements.sql [-i input.json]
# [-o output.json]` and checks the outcome (cmake -DSLUICE=<binary> -DCASE=<folder> -P this file).
#
#   output.json only            the run must print "Test passed!" and exit 0.
#   expected_error.txt only     the run must fail ("Test failed: ...", exit 1) and its output must
#                               contain every non-empty line of expected_error.txt.
#   both                        the run must pass and its output (which lists the records that
#                               could not be processed) must contain every line of the file.
# A skipped run ("Test skipped: ...", something not supported) always fails the case.
if(NOT SLUICE OR NOT CASE)
  message(FATAL_ERROR "usage: cmake -DSLUICE=<sluice> -DCASE=<case folder> -P run_case.cmake")
endif()

set(_args test -s "${CASE}/statements.sql")
if(EXISTS "${CASE}/input.json")
  list(APPEND _args -i "${CASE}/input.json")
endif()
if(EXISTS "${CASE}/output.json")
  list(APPEND _args -o "${CASE}/output.json")
endif()
execute_process(COMMAND "${SLUICE}" ${_args} RESULT_VARIABLE _rc OUTPUT_VARIABLE _out
                ERROR_VARIABLE _out)
message("${_out}")

if(_out MATCHES "Test skipped")
  message(FATAL_ERROR "case skipped: every case must run")
endif()

set(_expected_lines "")
if(EXISTS "${CASE}/expected_error.txt")
  # Line by line, keeping any ';' in a line (a CMake list separator) as text.
  file(READ "${CASE}/expected_error.txt" _text)
  string(REPLACE ";" "<semicolon>" _text "${_text}")
  string(REPLACE "\n" ";" _lines "${_text}")
  foreach(_line IN LISTS _lines)
    string(STRIP "${_line}" _line)
    if(NOT _line STREQUAL "")
      list(APPEND _expected_lines "${_line}")
    endif()
  endforeach()
  if(NOT _expected_lines)
    message(FATAL_ERROR "${CASE}/expected_error.txt is empty")
  endif()
endif()

if(_expected_lines AND NOT EXISTS "${CASE}/output.json")
  if(_rc EQUAL 0 OR NOT _out MATCHES "Test failed: ")
    message(FATAL_ERROR "expected the run to fail (exit ${_rc})")
  endif()
else()
  if(NOT _rc EQUAL 0 OR NOT _out MATCHES "Test passed!")
    message(FATAL_ERROR "expected the run to pass (exit ${_rc})")
  endif()
endif()

foreach(_line IN LISTS _expected_lines)
  string(REPLACE "<semicolon>" ";" _line "${_line}")
  string(FIND "${_out}" "${_line}" _at)
  if(_at EQUAL -1)
    message(FATAL_ERROR "the output does not contain the expected text:\n  ${_line}")
  endif()
endforeach()
