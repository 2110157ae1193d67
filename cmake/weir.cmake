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
