package org.sdij.hub;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.sdij.hub.HubException.Kind;

/**
 * The Hub's HTTP protocol as huggingface_hub speaks it: HEAD on {@code /{repo}/resolve/{revision}/{path}} for a
 * file's commit, etag and size; {@code /api/models/{repo}[/revision/{rev}]} for the file list; GET of the bytes.
 * Redirects are followed here, not by the JDK, so the token goes to the Hub's host only, never to the CDN a
 * large file is redirected to (its signed URL is the credential).
 */
final class HubClient {

    /** What a HEAD says about a file. {@code location}: where its bytes are (the CDN for LFS files). */
    record FileMetadata(String commit, String etag, long size, URI location) {}

    /** A file of the repo as the model info lists it. */
    record RepoInfo(String commit, List<String> files) {}

    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_REDIRECTS = 10;

    private final HubSettings settings;
    private final HttpClient http;

    HubClient(HubSettings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(METADATA_TIMEOUT).build();
    }

    static URI fileUrl(URI endpoint, String repo, String revision, String path) {
        return URI.create(endpoint + "/" + repo + "/resolve/" + encodeAll(revision) + "/" + encodePath(path));
    }

    /**
     * HEAD of the file: relative redirects (a renamed repo) are followed on the Hub's host, an absolute one (the
     * CDN) is not; its answer carries the metadata and its Location is where the GET goes.
     */
    FileMetadata head(String repo, String revision, String path) throws IOException {
        URI url = fileUrl(settings.endpoint(), repo, revision, path);
        for (int i = 0; i <= MAX_REDIRECTS; i++) {
            HttpResponse<Void> r = send(request(url).method("HEAD", HttpRequest.BodyPublishers.noBody())
                    .header("Accept-Encoding", "identity").timeout(METADATA_TIMEOUT).build(),
                    HttpResponse.BodyHandlers.discarding(), url);
            Optional<String> location = r.headers().firstValue("Location");
            boolean redirect = r.statusCode() / 100 == 3 && location.isPresent();
            if (redirect && URI.create(location.get()).getHost() == null) {
                URI target = URI.create(location.get());
                url = URI.create(url.getScheme() + "://" + url.getRawAuthority() + target.getRawPath());
                continue;
            }
            if (!redirect && r.statusCode() != 200) throw failure(r.statusCode(), r.headers(), "", repo, revision, path);
            return metadata(r, redirect ? url.resolve(location.get()) : url, url);
        }
        throw new HubException(Kind.BAD_ANSWER, "Too many redirects for " + url + ".");
    }

    private static FileMetadata metadata(HttpResponse<?> r, URI location, URI url) throws HubException {
        var h = r.headers();
        String commit = h.firstValue("X-Repo-Commit").orElse(null);
        String etag = h.firstValue("X-Linked-Etag").or(() -> h.firstValue("ETag")).map(HubClient::normalizeEtag)
                .orElse(null);
        boolean redirect = r.statusCode() / 100 == 3;
        // a redirect's Content-Length is that of its own short text, not the file's
        String size = h.firstValue("X-Linked-Size").or(() -> redirect ? Optional.empty() : h.firstValue("Content-Length"))
                .orElse(null);
        if (commit == null || etag == null || etag.isEmpty() || size == null) {
            throw new HubException(Kind.BAD_ANSWER, "The server at " + url + " did not answer like the Hugging Face Hub"
                    + " (missing " + (commit == null ? "X-Repo-Commit" : etag == null || etag.isEmpty() ? "ETag" : "size")
                    + " header). A proxy or firewall in between? Check HF_ENDPOINT (now " + url.getScheme() + "://"
                    + url.getRawAuthority() + ").");
        }
        try {
            return new FileMetadata(commit, etag, Long.parseLong(size.trim()), location);
        } catch (NumberFormatException e) {
            throw new HubException(Kind.BAD_ANSWER, "The server at " + url + " gave a bad size '" + size + "'.");
        }
    }

    static String normalizeEtag(String etag) {
        String e = etag.trim();
        if (e.startsWith("W/")) e = e.substring(2);
        return e.replace("\"", "");
    }

    /** The commit a revision points at and the repo's file names. */
    RepoInfo repoInfo(String repo, String revision) throws IOException {
        URI url = URI.create(settings.endpoint() + "/api/models/" + repo
                + (revision == null ? "" : "/revision/" + encodeAll(revision)));
        HttpResponse<String> r = followed(url, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8),
                req -> req.GET().timeout(METADATA_TIMEOUT));
        if (r.statusCode() != 200) throw failure(r.statusCode(), r.headers(), r.body(), repo, revision, null);
        try {
            JsonObject info = JsonParser.parseString(r.body()).getAsJsonObject();
            List<String> files = new ArrayList<>();
            for (JsonElement s : info.getAsJsonArray("siblings")) {
                files.add(s.getAsJsonObject().get("rfilename").getAsString());
            }
            return new RepoInfo(info.get("sha").getAsString(), files);
        } catch (JsonParseException | IllegalStateException | NullPointerException | ClassCastException e) {
            throw new HubException(Kind.BAD_ANSWER, "The server at " + url + " did not answer like the Hugging Face Hub"
                    + " (no sha and siblings in its model info). Check HF_ENDPOINT.", e);
        }
    }

    /**
     * GET of a file's bytes from {@code from} on ({@code Range}); the caller reads and closes the body. A
     * non-2xx answer is an error of the file.
     */
    HttpResponse<InputStream> get(URI url, long from, String repo, String revision, String path) throws IOException {
        HttpResponse<InputStream> r = followed(url, HttpResponse.BodyHandlers.ofInputStream(), req -> {
            req.GET().header("Accept-Encoding", "identity");
            if (from > 0) req.header("Range", "bytes=" + from + "-");
            return req;
        });
        if (r.statusCode() / 100 != 2 && r.statusCode() != 416) {
            String body;
            try (InputStream in = r.body()) {
                body = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
            }
            throw failure(r.statusCode(), r.headers(), body, repo, revision, path);
        }
        return r;
    }

    private interface Customizer {
        HttpRequest.Builder apply(HttpRequest.Builder b);
    }

    /** Sends, following every redirect by hand; the token only while the URL is on the Hub's host. */
    private <T> HttpResponse<T> followed(URI url, HttpResponse.BodyHandler<T> body, Customizer customize)
            throws IOException {
        for (int i = 0; i <= MAX_REDIRECTS; i++) {
            HttpResponse<T> r = send(customize.apply(request(url)).build(), body, url);
            Optional<String> location = r.headers().firstValue("Location");
            if (r.statusCode() / 100 != 3 || location.isEmpty()) return r;
            if (r.body() instanceof InputStream in) in.close();
            url = url.resolve(location.get());
        }
        throw new HubException(Kind.BAD_ANSWER, "Too many redirects for " + url + ".");
    }

    private HttpRequest.Builder request(URI url) {
        HttpRequest.Builder b = HttpRequest.newBuilder(url).header("User-Agent", userAgent());
        if (settings.token() != null && sameHost(url, settings.endpoint())) {
            b.header("Authorization", "Bearer " + settings.token());
        }
        return b;
    }

    static boolean sameHost(URI a, URI b) {
        return a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost()) && port(a) == port(b);
    }

    private static int port(URI u) {
        if (u.getPort() >= 0) return u.getPort();
        return "http".equalsIgnoreCase(u.getScheme()) ? 80 : 443;
    }

    private static String userAgent() {
        String version = HubClient.class.getPackage().getImplementationVersion();
        return "sd-ij/" + (version == null ? "dev" : version) + "; java/" + System.getProperty("java.version");
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body, URI url)
            throws IOException {
        if (settings.offline()) {
            throw new HubException(Kind.OFFLINE, "HF_HUB_OFFLINE is set: no request is made (wanted " + url + ").");
        }
        try {
            return http.send(request, body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException(Kind.CANCELLED, "The download was interrupted.", e);
        } catch (IOException e) {
            // refused, timed out, unknown host, reset: all mean the Hub cannot be reached from here
            throw noNetwork(url, e);
        }
    }

    private HubException noNetwork(URI url, Exception e) {
        String why;
        boolean unresolved = false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            unresolved |= t instanceof java.net.UnknownHostException || t instanceof java.nio.channels.UnresolvedAddressException;
        }
        if (unresolved) {
            why = "unknown host " + url.getHost();
        } else if (e instanceof java.net.http.HttpTimeoutException) {
            why = "no answer within " + METADATA_TIMEOUT.toSeconds() + " s";
        } else if (e instanceof java.net.ConnectException) {
            why = "connection refused or no route to the host";
        } else why = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
        return new HubException(Kind.NETWORK, "Cannot reach the Hugging Face Hub at " + url.getScheme() + "://"
                + url.getRawAuthority() + " (" + why + "). Check the network connection, a proxy, or HF_ENDPOINT."
                + " Models already in the cache still work without the network.", e);
    }

    /** The Hub's error, read from X-Error-Code first (as huggingface_hub does), then from the status. */
    private HubException failure(int status, java.net.http.HttpHeaders h, String body, String repo, String revision,
                                 String path) {
        String code = h.firstValue("X-Error-Code").orElse("");
        String message = h.firstValue("X-Error-Message").orElse(errorOfBody(body));
        String page = settings.endpoint() + "/" + repo;
        String rev = revision == null ? "main" : revision;
        if (code.equals("GatedRepo")) {
            if (settings.token() == null || status == 401) {
                return new HubException(Kind.GATED, "The model " + repo + " is gated: its files need a Hugging Face"
                        + " account that has accepted its conditions. Accept them at " + page + ", create a read token"
                        + " at https://huggingface.co/settings/tokens and set HF_TOKEN to it (or save it in the"
                        + " token file HF_HOME/token, as `hf auth login` does; in Fiji: the Token field of Download"
                        + " Model...).");
            }
            return new HubException(Kind.GATED, "Your token has no access to the gated model " + repo + ": open "
                    + page + " while logged in as the token's owner, accept the conditions (some repos need the"
                    + " authors' approval), then run the download again.");
        }
        if (status == 401 && message.contains("Invalid credentials")) {
            return new HubException(Kind.BAD_TOKEN, "The Hub refused the token (invalid credentials). Check HF_TOKEN"
                    + " or the token file HF_HOME/token, or make a new read token at"
                    + " https://huggingface.co/settings/tokens.");
        }
        if (code.equals("RevisionNotFound")) {
            return new HubException(Kind.REVISION_NOT_FOUND, "The model " + repo + " has no revision '" + rev
                    + "'. Give a branch, tag or commit hash that exists (the default is main); see " + page
                    + "/tree/main.");
        }
        if (code.equals("EntryNotFound") || (status == 404 && path != null && h.firstValue("X-Repo-Commit").isPresent())) {
            return new HubException(Kind.FILE_NOT_FOUND, "The model " + repo + " has no file '" + path
                    + "' at revision " + rev + ". Check the name against the files listed at " + page + "/tree/"
                    + rev + ".");
        }
        if (code.equals("RepoNotFound") || status == 401 || status == 404) {
            return new HubException(Kind.REPO_NOT_FOUND, repoNotFound(repo, page));
        }
        if (status == 403 && message.contains("disabled")) {
            return new HubException(Kind.REPO_NOT_FOUND, "The model " + repo + " is disabled on the Hub: " + message);
        }
        return new HubException(Kind.BAD_ANSWER, "The Hub answered HTTP " + status + " for " + repo
                + (path == null ? "" : " file " + path) + (message.isEmpty() ? "" : ": " + message)
                + ". Try again later; models already in the cache still work.");
    }

    private String repoNotFound(String repo, String page) {
        StringBuilder s = new StringBuilder("No model " + repo + " on the Hub (" + settings.endpoint() + "): check"
                + " the spelling (org/name); a private repo also needs a token (HF_TOKEN)");
        KnownModels.find(repo).filter(k -> !k.id().equals(repo)).ifPresentOrElse(
                k -> s.append(". ").append(repo).append(" was renamed or removed; its copy is ").append(k.id()),
                () -> s.append(". Repos get renamed or removed: SD 1.5 moved to stable-diffusion-v1-5/..., SD 2 to"
                        + " sd2-community/... (bin/sd-ij download --list shows the known models)"));
        return s.append('.').toString();
    }

    private static String errorOfBody(String body) {
        if (body == null || body.isBlank()) return "";
        try {
            JsonElement e = JsonParser.parseString(body);
            if (e.isJsonObject() && e.getAsJsonObject().has("error")) {
                JsonElement error = e.getAsJsonObject().get("error");
                return error.isJsonArray() ? error.toString() : error.getAsString();
            }
        } catch (JsonParseException | IllegalStateException | UnsupportedOperationException ignored) {
            // not JSON: use no text
        }
        return "";
    }

    /** A revision as one path segment: {@code refs/pr/1} becomes {@code refs%2Fpr%2F1}. */
    static String encodeAll(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A file path with its '/' kept. */
    static String encodePath(String path) {
        StringBuilder s = new StringBuilder();
        for (String part : path.split("/", -1)) {
            if (s.length() > 0) s.append('/');
            s.append(encodeAll(part));
        }
        return s.toString();
    }
}
