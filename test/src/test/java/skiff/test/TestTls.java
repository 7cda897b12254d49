package skiff.test;

import java.net.http.HttpClient;
import java.nio.file.Path;
import skiff.platform.cli.SkiffTrust;

/** An HTTP client that trusts a node's private CA, as the skiff CLI does. */
final class TestTls {
  private TestTls() {}

  static HttpClient client(Path caPem) {
    return HttpClient.newBuilder().sslContext(SkiffTrust.context(caPem)).build();
  }
}
