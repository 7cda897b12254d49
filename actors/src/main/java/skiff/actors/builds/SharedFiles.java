package skiff.actors.builds;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Files a node keeps that every node of a cluster must be able to read: build caches, uploaded
 * sources, build output. Each is kept under a name ({@code cache:APP_ID}, {@code source:ID},
 * {@code build-output:BUILD_ID}); the node's own copy is only a cache of it. A single node shares
 * with nobody ({@link #NONE}).
 */
public interface SharedFiles {
  /** Keeps {@code file} under {@code name}, replacing what the name stood for; answers its checksum. */
  String put(String name, Path file) throws IOException;

  /**
   * Copies what {@code name} stands for into {@code into} unless {@code known} (the checksum the
   * caller last got for it) is still current; answers the checksum now current, empty when the
   * name stands for nothing.
   */
  java.util.Optional<String> get(String name, Path into, String known) throws IOException;

  /** Forgets {@code name} (and what it stood for, unless another name stands for the same bytes). */
  void forget(String name) throws IOException;

  SharedFiles NONE = new SharedFiles() {
    @Override
    public void forget(String name) {}

    @Override
    public String put(String name, Path file) {
      return null;
    }

    @Override
    public java.util.Optional<String> get(String name, Path into, String known) {
      return java.util.Optional.empty();
    }
  };
}
