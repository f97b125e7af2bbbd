# Turn a text file (IN) into a C string named NAME in OUT, so that the
# binary carries it. Run by the build; see CMakeLists.txt.
file(READ ${IN} text)
string(REPLACE "\\" "\\\\" text "${text}")
string(REPLACE "\"" "\\\"" text "${text}")
string(REPLACE "\n" "\\n\"\n    \"" text "${text}")
file(WRITE ${OUT} "/* Generated from ${NAME}'s source by the build. Do not edit. */\nconst char ${NAME}[] =\n    \"${text}\";\n")
