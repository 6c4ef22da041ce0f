# ASan + UBSan build: every test in the test command also runs in this configuration.
if(PADDOCK_SANITIZE)
  set(PADDOCK_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all
      -fno-omit-frame-pointer)
  add_compile_options(${PADDOCK_SANITIZER_FLAGS})
  add_link_options(${PADDOCK_SANITIZER_FLAGS})
endif()
