# weir_library(NAME SOURCES a.cc b.cc DEPS x y): one static library per layer, named weir_<NAME>.
# Headers are included as "<layer>/<file>.h" from src/.
function(weir_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(weir_${name} STATIC ${ARG_SOURCES})
  target_include_directories(weir_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(weir_${name} PUBLIC ${ARG_DEPS})
endfunction()

# weir_test(NAME SOURCES a_test.cc DEPS x): one GoogleTest binary per layer, each test a CTest test.
function(weir_test name)
  if(NOT WEIR_BUILD_TESTS)
    return()
  endif()
  # LABELS: ctest labels (default: unit); PROPERTIES: more test properties, as
  # set_tests_properties takes them (FIXTURES_REQUIRED for a server the tests share).
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS;PROPERTIES" ${ARGN})
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS ${ARG_LABELS} ${ARG_PROPERTIES})
endfunction()

# weir_server_fixture(NAME): a real server (tests/fixtures/<NAME>.py) for every test of a ctest
# run that sets FIXTURES_REQUIRED <NAME>: <NAME>_start begins it before the first such test,
# <NAME>_stop ends it after the last. Its URL is in ${CMAKE_BINARY_DIR}/<NAME>/url.
function(weir_server_fixture name)
  if(NOT WEIR_BUILD_TESTS)
    return()
  endif()
  set(script ${PROJECT_SOURCE_DIR}/tests/fixtures/${name}.py)
  add_test(NAME ${name}_start COMMAND /usr/bin/python3 ${script} --start ${CMAKE_BINARY_DIR}/${name})
  add_test(NAME ${name}_stop COMMAND /usr/bin/python3 ${script} --stop ${CMAKE_BINARY_DIR}/${name})
  set_tests_properties(${name}_start PROPERTIES FIXTURES_SETUP ${name} LABELS unit TIMEOUT 120)
  set_tests_properties(${name}_stop PROPERTIES FIXTURES_CLEANUP ${name} LABELS unit TIMEOUT 60)
endfunction()
