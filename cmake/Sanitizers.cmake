# ASan + UBSan build: every test in the test command also runs in this configuration.
if(PADDOCK_SANITIZE)
  set(PADDOCK_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all
      -fno-omit-frame-pointer)
  add_compile_options(${PADDOCK_SANITIZER_FLAGS})
  add_link_options(${PADDOCK_SANITIZER_FLAGS})
endif()

# Fuzz build: every library gets coverage instrumentation and ASan+UBSan; the targets link
# libFuzzer's driver (tests/fuzz/CMakeLists.txt).
if(PADDOCK_FUZZ)
  set(PADDOCK_FUZZ_FLAGS -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_compile_options(${PADDOCK_FUZZ_FLAGS})
  add_link_options(-fsanitize=address,undefined)
endif()
