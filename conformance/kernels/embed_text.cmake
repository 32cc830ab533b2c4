# cmake -DINPUT=<file> -DOUTPUT=<file.cc> -DSYMBOL=<name> -P embed_text.cmake
# Writes a C++ source that defines `const char SYMBOL[]` (the file's bytes plus a NUL) and
# `const size_t SYMBOL_size` (the byte count without the NUL), in gpuhal::kernels.
# A byte array rather than a raw string literal: PTX may hold any character sequence, and
# compilers cap the length of a single string literal.
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR byte_count "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE "${OUTPUT}.tmp"
  "// Generated from ${INPUT} by embed_text.cmake; do not edit.\n"
  "#include <cstddef>\n"
  "namespace gpuhal::kernels {\n"
  "extern const char ${SYMBOL}[];\n"
  "extern const size_t ${SYMBOL}_size;\n"
  "const char ${SYMBOL}[] = {\n${bytes}0x00};\n"
  "const size_t ${SYMBOL}_size = ${byte_count};\n"
  "}  // namespace gpuhal::kernels\n")
# Only touch the output when it changes, so an unchanged PTX rebuilds nothing.
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
