# Generates a C++ source defining `std::string_view <FUNC>()` that returns the bytes of one
# file. Run with -P at build time so changes are picked up.
#   cmake -DIN=src/web/openapi.json -DOUT=... -DFUNC=OpenApiDocument -DHEADER=web/openapi.h -P embed_text.cmake
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" hexlen)
math(EXPR len "${hexlen} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
set(body "#include \"${HEADER}\"\n\nnamespace weir {\n\nnamespace {\n\n")
string(APPEND body "const char kText[] = {${bytes} 0};\n\n}  // namespace\n\n")
string(APPEND body "std::string_view ${FUNC}() { return std::string_view(kText, ${len}); }\n\n")
string(APPEND body "}  // namespace weir\n")
file(WRITE "${OUT}.tmp" "${body}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUT}.tmp" "${OUT}")
file(REMOVE "${OUT}.tmp")
