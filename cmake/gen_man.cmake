# Fill a manual page template with the registry and the key table, as the
# revmon binary prints them, and the source kinds from sources.def, so the
# pages can never drift from the code.
#   cmake -DIN=page.in -DOUT=page -DREVMON=path/to/revmon -DVERSION=x.y.z -P gen_man.cmake
# Script mode starts with no policies set: take the project's.
cmake_minimum_required(VERSION 3.18)
execute_process(COMMAND ${REVMON} keys --roff OUTPUT_VARIABLE keys RESULT_VARIABLE rc1)
execute_process(COMMAND ${REVMON} metrics --roff OUTPUT_VARIABLE metrics RESULT_VARIABLE rc2)
if(NOT rc1 EQUAL 0 OR NOT rc2 EQUAL 0)
  message(FATAL_ERROR "gen_man: ${REVMON} failed")
endif()

# @SOURCES@: X(kind, arg, constructor, help) rows as an indented .TP list.
set(sources_def "${CMAKE_CURRENT_LIST_DIR}/../plugin/src/conf/sources.def")
file(READ "${sources_def}" def)
string(REGEX MATCHALL "\nX\\(\"[a-z]+\", \"[^\"]*\", [a-z_]+,[ \t\n]*\"[^\"]*\"\\)" rows "${def}")
if(NOT rows)
  message(FATAL_ERROR "gen_man: no source kinds in ${sources_def}")
endif()
set(sources ".RS\n")
foreach(row ${rows})
  string(REGEX REPLACE "^\nX\\(\"([a-z]+)\", \"([^\"]*)\", [a-z_]+,[ \t\n]*\"([^\"]*)\"\\)$"
         "\\1;\\2;\\3" f "${row}")
  list(GET f 0 kind)
  list(GET f 1 arg)
  list(GET f 2 help)
  string(REPLACE "-" "\\-" help "${help}")
  if(arg STREQUAL "")
    string(APPEND sources ".TP\n.B ${kind}\n${help}\n")
  else()
    string(SUBSTRING "${arg}" 1 -1 argname)
    string(APPEND sources ".TP\n.BI ${kind}: ${argname}\n${help}\n")
  endif()
endforeach()
string(APPEND sources ".RE\n")

file(READ "${IN}" text)
string(REPLACE "@VERSION@" "${VERSION}" text "${text}")
string(REPLACE "@KEYS@\n" "${keys}" text "${text}")
string(REPLACE "@METRICS@\n" "${metrics}" text "${text}")
string(REPLACE "@SOURCES@\n" "${sources}" text "${text}")
file(WRITE "${OUT}" "${text}")
