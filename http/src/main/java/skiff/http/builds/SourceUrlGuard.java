package skiff.http.builds;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * Which source URLs Skiff may fetch: http(s) on another machine. A URL naming this machine
 * (loopback, any of its own addresses) or its link (169.254.0.0/16, where cloud metadata lives)
 * would let anyone who can start a build read the platform's own local services; it is refused
 * before the build starts, and again at every redirect.
 */
final class SourceUrlGuard {
  private SourceUrlGuard() {}

  static Optional<String> problemWith(String url) {
    URI uri;
    try {
      uri = URI.create(url == null ? "" : url.trim());
    } catch (IllegalArgumentException e) {
      return Optional.of("source_blob.url '" + url + "' is not a URL.");
    }
    if (uri.getScheme() == null || !uri.getScheme().matches("https?") || uri.getHost() == null) {
      return Optional.of("source_blob.url must be an http(s) URL of a .tar.gz, got '" + url + "'.");
    }
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(uri.getHost());
    } catch (UnknownHostException e) {
      return Optional.of("source_blob.url names the host " + uri.getHost() + ", which does not resolve.");
    }
    for (InetAddress address : addresses) {
      String kind = kind(address);
      if (kind != null) {
        return Optional.of("source_blob.url " + uri.getScheme() + "://" + uri.getAuthority() + " points at "
            + address.getHostAddress() + " (" + kind + "); Skiff fetches sources only from other machines. Upload"
            + " the tarball to the put_url of POST /sources and build from its get_url instead.");
      }
    }
    return Optional.empty();
  }

  private static String kind(InetAddress address) {
    if (address.isLoopbackAddress()) {
      return "this machine's loopback";
    }
    if (address.isAnyLocalAddress()) {
      return "any address of this machine";
    }
    if (address.isLinkLocalAddress()) {
      return "a link-local address, where cloud metadata services answer";
    }
    if (address.isMulticastAddress()) {
      return "a multicast address";
    }
    try {
      if (NetworkInterface.getByInetAddress(address) != null) {
        return "an address of this machine";
      }
    } catch (SocketException e) {
      return "an address this machine cannot check";
    }
    return null;
  }
}
