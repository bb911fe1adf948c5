package org.sdij.hub;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Hugging Face Hub on 127.0.0.1 for the tests, with the live Hub's endpoints and headers: HEAD/GET on
 * {@code /{repo}/resolve/{revision}/{path}} (X-Repo-Commit; regular files with their git sha1 as ETag; LFS files
 * as a 302 to a second "CDN" port with X-Linked-Etag = sha256 and X-Linked-Size), {@code /api/models/{repo}
 * [/revision/{rev}]}, Range requests, gated repos (token {@code hf_goodtoken} has access, {@code hf_noaccess}
 * does not, any other is invalid), and the errors with X-Error-Code. The CDN refuses an Authorization header, as
 * a pre-signed URL does. Faults for the tests: a connection cut after N bytes, a corrupted body. Every request
 * is logged.
 */
public final class FakeHub implements AutoCloseable {

    public static final String GOOD_TOKEN = "hf_goodtoken";
    public static final String NO_ACCESS_TOKEN = "hf_noaccess";

    /** One request as a server saw it. {@code server}: "hub" or "cdn". */
    public record Request(String server, String method, String path, int status, String range, String authorization) {}

    private record Repo(String commit, Map<String, byte[]> files, boolean gated) {}

    private final HttpServer hub;
    private final HttpServer cdn;
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    private final Map<String, byte[]> cdnBlobs = new ConcurrentHashMap<>();
    private final Map<String, Integer> cuts = new ConcurrentHashMap<>();
    private final Set<String> corrupted = ConcurrentHashMap.newKeySet();
    private final Map<String, String> renames = new ConcurrentHashMap<>();
    private final List<Request> log = Collections.synchronizedList(new ArrayList<>());

    public FakeHub() throws IOException {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        hub = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
        cdn = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
        hub.createContext("/", this::hub);
        cdn.createContext("/", this::cdn);
        hub.start();
        cdn.start();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + hub.getAddress().getPort());
    }

    public int cdnPort() {
        return cdn.getAddress().getPort();
    }

    /** Serves the files under {@code folder} (recursively) as the repo {@code id}. */
    public FakeHub repo(String id, Path folder) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> s = Files.walk(folder)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                files.put(folder.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
            }
        }
        return repo(id, files);
    }

    public FakeHub repo(String id, Map<String, byte[]> files) {
        repos.put(id, new Repo(commitOf(id), new TreeMap<>(files), false));
        return this;
    }

    public FakeHub gated(String id) {
        Repo r = repos.get(id);
        repos.put(id, new Repo(r.commit(), r.files(), true));
        return this;
    }

    /** Requests for {@code oldId} get a relative 307 to the same path under {@code newId}, as the Hub does after a rename. */
    public FakeHub renamed(String oldId, String newId) {
        renames.put(oldId, newId);
        return this;
    }

    /** The first GET of {@code path} (in any repo) ends after {@code bytes} body bytes. */
    public FakeHub cutAfter(String path, int bytes) {
        cuts.put(path, bytes);
        return this;
    }

    /** Every GET of {@code path} sends its bytes with one byte changed. */
    public FakeHub corrupt(String path) {
        corrupted.add(path);
        return this;
    }

    public static String commitOf(String repo) {
        return hex("SHA-1", ("fakehub-commit:" + repo).getBytes(StandardCharsets.UTF_8));
    }

    public static boolean isLfs(String path, byte[] content) {
        return content.length > 1 << 20 || path.matches(".*\\.(safetensors|bin|ckpt|pt|msgpack|onnx)");
    }

    public static String gitSha1(byte[] content) {
        byte[] head = ("blob " + content.length + "\0").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[head.length + content.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(content, 0, all, head.length, content.length);
        return hex("SHA-1", all);
    }

    public static String sha256(byte[] content) {
        return hex("SHA-256", content);
    }

    public List<Request> requests() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    public void clearLog() {
        log.clear();
    }

    @Override
    public void close() {
        hub.stop(0);
        cdn.stop(0);
    }

    // ---- the Hub

    private static final Pattern API = Pattern.compile("/api/models/([^/]+/[^/]+)(?:/revision/([^/]+))?");
    private static final Pattern RESOLVE = Pattern.compile("/([^/]+/[^/]+)/resolve/([^/]+)/(.+)");

    private void hub(HttpExchange x) throws IOException {
        try (x) {
            String path = x.getRequestURI().getRawPath();
            for (Map.Entry<String, String> r : renames.entrySet()) {
                for (String prefix : List.of("/", "/api/models/")) {
                    if (path.startsWith(prefix + r.getKey() + "/") || path.equals(prefix + r.getKey())) {
                        String moved = prefix + r.getValue() + path.substring(prefix.length() + r.getKey().length());
                        send(x, "hub", 307, Map.of("Location", moved), null, 0);
                        return;
                    }
                }
            }
            Matcher api = API.matcher(path);
            Matcher resolve = RESOLVE.matcher(path);
            if (api.matches()) {
                api(x, api.group(1), api.group(2) == null ? "main" : decode(api.group(2)));
            } else if (resolve.matches()) {
                resolve(x, resolve.group(1), decode(resolve.group(2)), decode(resolve.group(3)));
            } else {
                send(x, "hub", 404, Map.of(), new byte[0]);
            }
        }
    }

    /** The repo if the request may see it; otherwise the error was sent and null comes back. */
    private Repo access(HttpExchange x, String id) throws IOException {
        String auth = x.getRequestHeaders().getFirst("Authorization");
        String token = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : null;
        if (token != null && !token.equals(GOOD_TOKEN) && !token.equals(NO_ACCESS_TOKEN)) {
            error(x, 401, null, "Invalid credentials in Authorization header", null);
            return null;
        }
        Repo repo = repos.get(id);
        if (repo == null) {
            error(x, token == null ? 401 : 404, "RepoNotFound", "Repository not found", null);
            return null;
        }
        if (repo.gated() && !GOOD_TOKEN.equals(token)) {
            if (token == null) {
                error(x, 401, "GatedRepo", "Access to model " + id + " is restricted. You must have access to it and"
                        + " be authenticated to access it. Please log in.", null);
            } else {
                error(x, 403, "GatedRepo", "Access to model " + id + " is restricted and you are not in the"
                        + " authorized list.", null);
            }
            return null;
        }
        return repo;
    }

    private void api(HttpExchange x, String id, String revision) throws IOException {
        Repo repo = repos.get(id);
        String auth = x.getRequestHeaders().getFirst("Authorization");
        if (repo == null || (auth != null && !auth.equals("Bearer " + GOOD_TOKEN) && !auth.equals("Bearer " + NO_ACCESS_TOKEN))) {
            access(x, id);
            return;
        }
        if (!revision.equals("main") && !revision.equals(repo.commit())) {
            error(x, 404, "RevisionNotFound", "Invalid rev id: " + revision, null);
            return;
        }
        // the model info of a gated repo stays public, as on the Hub
        JsonObject info = new JsonObject();
        info.addProperty("id", id);
        info.addProperty("sha", repo.commit());
        info.addProperty("gated", repo.gated() ? "manual" : "false");
        JsonArray siblings = new JsonArray();
        for (String f : repo.files().keySet()) {
            JsonObject s = new JsonObject();
            s.addProperty("rfilename", f);
            siblings.add(s);
        }
        info.add("siblings", siblings);
        send(x, "hub", 200, Map.of("Content-Type", "application/json"), info.toString().getBytes(StandardCharsets.UTF_8));
    }

    private void resolve(HttpExchange x, String id, String revision, String file) throws IOException {
        Repo repo = access(x, id);
        if (repo == null) return;
        if (!revision.equals("main") && !revision.equals(repo.commit())) {
            error(x, 404, "RevisionNotFound", "Invalid rev id: " + revision, null);
            return;
        }
        byte[] content = repo.files().get(file);
        if (content == null) {
            error(x, 404, "EntryNotFound", "Entry not found", repo.commit());
            return;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("X-Repo-Commit", repo.commit());
        if (isLfs(file, content)) {
            String sha = sha256(content);
            cdnBlobs.put(sha, content);
            headers.put("X-Linked-Etag", "\"" + sha + "\"");
            headers.put("X-Linked-Size", Long.toString(content.length));
            headers.put("ETag", "\"" + gitSha1(("version https://git-lfs.github.com/spec/v1\noid sha256:" + sha
                    + "\nsize " + content.length + "\n").getBytes(StandardCharsets.UTF_8)) + "\"");
            headers.put("Location", "http://127.0.0.1:" + cdnPort() + "/blob/" + sha + "?file=" + file
                    + "&X-Signature=" + signature(sha));
            byte[] text = ("Found. Redirecting to " + headers.get("Location")).getBytes(StandardCharsets.UTF_8);
            send(x, "hub", 302, headers, x.getRequestMethod().equals("HEAD") ? null : text, text.length);
            return;
        }
        headers.put("ETag", "\"" + gitSha1(content) + "\"");
        body(x, "hub", headers, content, file);
    }

    // ---- the CDN

    private void cdn(HttpExchange x) throws IOException {
        try (x) {
            if (x.getRequestHeaders().containsKey("Authorization")) {
                // a pre-signed URL carries its credential; S3 refuses a second one
                send(x, "cdn", 400, Map.of(), "Only one auth mechanism allowed".getBytes(StandardCharsets.UTF_8));
                return;
            }
            String path = x.getRequestURI().getRawPath();
            String query = x.getRequestURI().getRawQuery();
            String sha = path.startsWith("/blob/") ? path.substring(6) : "";
            byte[] content = cdnBlobs.get(sha);
            if (content == null || query == null || !query.contains("X-Signature=" + signature(sha))) {
                send(x, "cdn", 403, Map.of(), "AccessDenied".getBytes(StandardCharsets.UTF_8));
                return;
            }
            String file = decode(query.replaceAll(".*file=([^&]*).*", "$1"));
            body(x, "cdn", new LinkedHashMap<>(Map.of("ETag", "\"cdn-" + sha.substring(0, 8) + "\"")), content, file);
        }
    }

    /** A file's bytes, whole or from a Range, with the faults the test asked for. */
    private void body(HttpExchange x, String server, Map<String, String> headers, byte[] content, String file)
            throws IOException {
        headers.put("Accept-Ranges", "bytes");
        String range = x.getRequestHeaders().getFirst("Range");
        int from = 0;
        int status = 200;
        if (range != null) {
            Matcher m = Pattern.compile("bytes=(\\d+)-").matcher(range);
            if (!m.matches() || Long.parseLong(m.group(1)) >= content.length) {
                headers.put("Content-Range", "bytes */" + content.length);
                send(x, server, 416, headers, new byte[0]);
                return;
            }
            from = Integer.parseInt(m.group(1));
            status = 206;
            headers.put("Content-Range", "bytes " + from + "-" + (content.length - 1) + "/" + content.length);
        }
        byte[] part = java.util.Arrays.copyOfRange(content, from, content.length);
        if (x.getRequestMethod().equals("HEAD")) {
            send(x, server, status, headers, null, part.length);
            return;
        }
        if (corrupted.contains(file) && part.length > 0) part[part.length / 2] ^= 0x55;
        Integer cut = cuts.remove(file);
        if (cut != null) {
            log(x, server, status);
            x.getResponseHeaders().putAll(toHeaders(headers));
            x.sendResponseHeaders(status, part.length);
            OutputStream out = x.getResponseBody();
            out.write(part, 0, Math.min(cut, part.length));
            out.flush();
            // a connection that drops half-way: the body ends short of its Content-Length and the server drops it
            throw new IOException("fake hub: cut after " + cut + " bytes");
        }
        send(x, server, status, headers, part);
    }

    private void error(HttpExchange x, int status, String code, String message, String commit) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        if (code != null) headers.put("X-Error-Code", code);
        headers.put("X-Error-Message", message);
        if (commit != null) headers.put("X-Repo-Commit", commit);
        JsonObject body = new JsonObject();
        body.addProperty("error", message);
        byte[] text = body.toString().getBytes(StandardCharsets.UTF_8);
        send(x, "hub", status, headers, x.getRequestMethod().equals("HEAD") ? null : text, text.length);
    }

    private void send(HttpExchange x, String server, int status, Map<String, String> headers, byte[] body)
            throws IOException {
        send(x, server, status, headers, body, body.length);
    }

    /** {@code body} null: a HEAD answer announcing {@code length} bytes. */
    private void send(HttpExchange x, String server, int status, Map<String, String> headers, byte[] body, long length)
            throws IOException {
        log(x, server, status);
        x.getResponseHeaders().putAll(toHeaders(headers));
        if (body == null) {
            x.getResponseHeaders().set("Content-Length", Long.toString(length));
            x.sendResponseHeaders(status, -1);
            return;
        }
        x.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) x.getResponseBody().write(body);
    }

    private void log(HttpExchange x, String server, int status) {
        log.add(new Request(server, x.getRequestMethod(), x.getRequestURI().getRawPath(), status,
                x.getRequestHeaders().getFirst("Range"), x.getRequestHeaders().getFirst("Authorization")));
    }

    private static Map<String, List<String>> toHeaders(Map<String, String> headers) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        headers.forEach((k, v) -> m.put(k, List.of(v)));
        return m;
    }

    private static String signature(String sha) {
        return hex("SHA-256", ("fakehub-cdn:" + sha).getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String hex(String algorithm, byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
