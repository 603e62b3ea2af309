# ThreadSanitizer build (-DMDEVFS_TSAN=ON): included by the top-level
# CMakeLists.txt once GLib is found.  See tests/tsan/README.md.
#
# GLib's GMutex and GCond are futexes inside libglib, which TSan cannot
# see; glib_tsan_shim.c redefines them over pthread objects.  It is built
# once, with hidden visibility, and linked into every program and every
# plugin of the build, so that each binary's own calls bind to its own
# copy at link time.  The targets are only known once the whole tree has
# been read, hence the deferred call at the end of the top directory.

add_library(mdevfs_tsan_shim OBJECT ${CMAKE_CURRENT_LIST_DIR}/glib_tsan_shim.c)
target_link_libraries(mdevfs_tsan_shim PRIVATE PkgConfig::GLIB)
set_target_properties(mdevfs_tsan_shim PROPERTIES C_VISIBILITY_PRESET hidden)

# All build-system targets of DIR and the directories below it.
function(mdevfs_tsan_targets dir out)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    mdevfs_tsan_targets(${sub} sub_targets)
    list(APPEND targets ${sub_targets})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

function(mdevfs_tsan_attach_shim)
  mdevfs_tsan_targets(${PROJECT_SOURCE_DIR} targets)
  set(n 0)
  foreach(t IN LISTS targets)
    get_target_property(type ${t} TYPE)
    if(type MATCHES "^(EXECUTABLE|MODULE_LIBRARY|SHARED_LIBRARY)$")
      target_sources(${t} PRIVATE $<TARGET_OBJECTS:mdevfs_tsan_shim>)
      math(EXPR n "${n} + 1")
    endif()
  endforeach()
  message(STATUS "MDEVFS_TSAN: GLib lock shim linked into ${n} programs and plugins")
endfunction()
cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR} CALL mdevfs_tsan_attach_shim)
