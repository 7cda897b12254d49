package skiff.platform.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Skiff's private CA as the CLI finds it ({@code $SKIFF_CA_FILE}, else {@code SKIFF_HOME}'s
 * {@code tls/ca.pem}, else {@code ~/.skiff/tls/ca.pem}), for the API over HTTPS, the run
 * rendezvous and git remotes over HTTPS.
 */
final class SkiffTrust {
  private SkiffTrust() {}

  static Path caFile(Map<String, String> env, Path home) {
    String explicit = env.get("SKIFF_CA_FILE");
    if (explicit != null && !explicit.isBlank()) {
      return Path.of(explicit);
    }
    return Path.of(env.getOrDefault("SKIFF_HOME", home.resolve(".skiff").toString())).resolve("tls/ca.pem");
  }

  /** A TLS context trusting the CA file, or the JVM's default one when there is no such file. */
  static SSLContext context(Path ca) {
    try {
      if (!Files.isReadable(ca)) {
        return SSLContext.getDefault();
      }
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      try (InputStream pem = Files.newInputStream(ca)) {
        trust.setCertificateEntry("skiff", CertificateFactory.getInstance("X.509").generateCertificate(pem));
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, factory.getTrustManagers(), null);
      return context;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new SkiffCli.Problem("Cannot use the CA certificate in " + ca + ": " + e.getMessage());
    }
  }
}
