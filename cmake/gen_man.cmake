# Fill a manual page template with the registry and the key table, as the
# revmon binary prints them, so the pages can never drift from the code.
#   cmake -DIN=page.in -DOUT=page -DREVMON=path/to/revmon -DVERSION=x.y.z -P gen_man.cmake
# Script mode starts with no policies set: take the project's.
cmake_minimum_required(VERSION 3.18)
execute_process(COMMAND ${REVMON} keys --roff OUTPUT_VARIABLE keys RESULT_VARIABLE rc1)
execute_process(COMMAND ${REVMON} metrics --roff OUTPUT_VARIABLE metrics RESULT_VARIABLE rc2)
if(NOT rc1 EQUAL 0 OR NOT rc2 EQUAL 0)
  message(FATAL_ERROR "gen_man: ${REVMON} failed")
endif()
file(READ "${IN}" text)
string(REPLACE "@VERSION@" "${VERSION}" text "${text}")
string(REPLACE "@KEYS@\n" "${keys}" text "${text}")
string(REPLACE "@METRICS@\n" "${metrics}" text "${text}")
file(WRITE "${OUT}" "${text}")
