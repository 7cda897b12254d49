package skiff.platform.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Skiff's private CA as the CLI finds it ({@code $SKIFF_CA_FILE}, else {@code SKIFF_HOME}'s
 * {@code tls/ca.pem}, else {@code ~/.skiff/tls/ca.pem}), trusted in addition to the system's
 * authorities: for the API over HTTPS, the run rendezvous and git remotes over HTTPS, while a
 * server with a publicly signed certificate keeps working.
 */
public final class SkiffTrust {
  private SkiffTrust() {}

  public static Path caFile(Map<String, String> env, Path home) {
    String explicit = env.get("SKIFF_CA_FILE");
    if (explicit != null && !explicit.isBlank()) {
      return Path.of(explicit);
    }
    return Path.of(env.getOrDefault("SKIFF_HOME", home.resolve(".skiff").toString())).resolve("tls/ca.pem");
  }

  /** A TLS context trusting the system's authorities and the CA in {@code ca}, when there is one. */
  public static SSLContext context(Path ca) {
    try {
      X509TrustManager system = trustManager(null);
      if (!Files.isReadable(ca)) {
        return contextOf(system);
      }
      KeyStore skiff = KeyStore.getInstance(KeyStore.getDefaultType());
      skiff.load(null, null);
      try (InputStream pem = Files.newInputStream(ca)) {
        skiff.setCertificateEntry("skiff", CertificateFactory.getInstance("X.509").generateCertificate(pem));
      }
      return contextOf(either(trustManager(skiff), system));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new SkiffCli.Problem("Cannot use the CA certificate in " + ca + ": " + e.getMessage());
    }
  }

  /**
   * Whether {@code server} (https) shows a certificate only Skiff's CA vouches for: then git must be
   * told of the CA; a server with a publicly signed certificate must not lose the system's trust.
   */
  static boolean needsSkiffCa(URI server) {
    try (SSLSocket socket = (SSLSocket) SSLContext.getDefault().getSocketFactory()
        .createSocket(server.getHost(), server.getPort() > 0 ? server.getPort() : 443)) {
      socket.setSoTimeout(5000);
      socket.startHandshake();
      return false;
    } catch (javax.net.ssl.SSLException e) {
      return true;
    } catch (IOException | GeneralSecurityException e) {
      return true; // unreachable now: assume the local CA, as the server was reached over it just before
    }
  }

  private static X509TrustManager trustManager(KeyStore store) throws GeneralSecurityException {
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(store);
    for (TrustManager manager : factory.getTrustManagers()) {
      if (manager instanceof X509TrustManager x509) {
        return x509;
      }
    }
    throw new GeneralSecurityException("no X.509 trust manager");
  }

  private static SSLContext contextOf(X509TrustManager manager) throws GeneralSecurityException {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {manager}, null);
    return context;
  }

  /** Trusts a server that either manager trusts. */
  private static X509TrustManager either(X509TrustManager first, X509TrustManager second) {
    return new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        second.checkClientTrusted(chain, authType);
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        try {
          first.checkServerTrusted(chain, authType);
        } catch (CertificateException notOurs) {
          second.checkServerTrusted(chain, authType);
        }
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        X509Certificate[] a = first.getAcceptedIssuers();
        X509Certificate[] b = second.getAcceptedIssuers();
        X509Certificate[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
      }
    };
  }
}
