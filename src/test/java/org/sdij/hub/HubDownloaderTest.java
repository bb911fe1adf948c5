package org.sdij.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdij.Reference;
import org.sdij.io.ModelFiles;
import org.sdij.io.ModelLocator;
import org.sdij.io.ModelOptions;

/** The downloader against a fake Hub on 127.0.0.1: the cache it writes, the protocol, and every failure. */
class HubDownloaderTest {

    static final String REPO = "org/tiny-sd";
    static final Path MODEL = Reference.resolve("tiny-models/sd1");

    @TempDir
    Path tmp;
    FakeHub hub;
    Path cache;

    @BeforeEach
    void start() throws IOException {
        hub = new FakeHub().repo(REPO, MODEL);
        cache = tmp.resolve("hub");
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    HubSettings settings(String token) {
        return new HubSettings(hub.endpoint(), token, cache, false);
    }

    HubDownloader downloader(String token) {
        return new HubDownloader(settings(token), DownloadProgress.NONE);
    }

    /** The model's files, relative, as the snapshot must hold them. */
    static List<String> filesOf(Path folder) throws IOException {
        try (Stream<Path> s = Files.walk(folder)) {
            return s.filter(Files::isRegularFile).map(p -> folder.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void aPipelineLandsInTheCacheAsHuggingfaceHubWritesIt() throws Exception {
        HubDownloader.Result r = downloader(FakeHub.GOOD_TOKEN).pipeline(REPO, "main", null);
        String commit = FakeHub.commitOf(REPO);
        Path repoDir = cache.resolve("models--org--tiny-sd");
        assertEquals(repoDir.resolve("snapshots/" + commit), r.path());
        assertEquals(commit, Files.readString(repoDir.resolve("refs/main")));
        assertEquals(filesOf(MODEL), filesOf(r.path()));
        for (String f : filesOf(MODEL)) {
            Path pointer = r.path().resolve(f);
            assertTrue(Files.isSymbolicLink(pointer), f + " is a link");
            Path target = Files.readSymbolicLink(pointer);
            assertFalse(target.isAbsolute(), "relative link " + target);
            byte[] content = Files.readAllBytes(MODEL.resolve(f));
            String etag = FakeHub.isLfs(f, content) ? FakeHub.sha256(content) : FakeHub.gitSha1(content);
            assertEquals(repoDir.resolve("blobs/" + etag), pointer.getParent().resolve(target).normalize(), f);
            assertTrue(java.util.Arrays.equals(content, Files.readAllBytes(pointer)), f);
        }
        try (Stream<Path> blobs = Files.list(repoDir.resolve("blobs"))) {
            assertTrue(blobs.noneMatch(p -> p.toString().endsWith(".incomplete")), "no part left");
        }
        // the token went to the Hub, never to the CDN, which served every LFS file
        List<FakeHub.Request> requests = hub.requests();
        assertTrue(requests.stream().filter(q -> q.server().equals("hub")).allMatch(q -> q.authorization() != null));
        assertTrue(requests.stream().filter(q -> q.server().equals("cdn")).allMatch(q -> q.authorization() == null));
        assertTrue(requests.stream().anyMatch(q -> q.server().equals("cdn") && q.status() == 200));

        // it opens as the repo id, and a second download makes no request at all
        try (ModelFiles files = ModelLocator.open(REPO, ModelOptions.DEFAULT.withHubCache(cache))) {
            assertEquals(REPO, files.name());
        }
        hub.clearLog();
        HubDownloader.Result again = downloader(FakeHub.GOOD_TOKEN).pipeline(REPO, "main", null);
        assertTrue(again.alreadyCached());
        assertEquals(List.of(), hub.requests());
    }

    @Test
    void aFileAlreadyInTheSnapshotIsNotFetchedAgain() throws Exception {
        downloader(null).file(REPO, "main", "unet/config.json");
        hub.clearLog();
        downloader(null).pipeline(REPO, "main", null);
        assertTrue(hub.requests().stream().noneMatch(q -> q.path().endsWith("/unet/config.json")), hub.requests().toString());
    }

    @Test
    void aCutConnectionResumesWithRangeAndTheFileVerifies() throws Exception {
        String weights = "unet/diffusion_pytorch_model.safetensors";
        long size = Files.size(MODEL.resolve(weights));
        int cut = (int) (size / 2);
        hub.cutAfter(weights, cut);
        HubException e = assertThrows(HubException.class, () -> downloader(null).pipeline(REPO, "main", null));
        assertEquals(HubException.Kind.INCOMPLETE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("run the same download again to resume"), e.getMessage());
        String sha = FakeHub.sha256(Files.readAllBytes(MODEL.resolve(weights)));
        Path part = cache.resolve("models--org--tiny-sd/blobs/" + sha + ".incomplete");
        // what arrived before the cut is kept: all of the cut bytes as a rule, but the HTTP client may drop the
        // last ones it had received when the connection fails (seen once in a full-suite run), so not always all
        long kept = Files.size(part);
        assertTrue(kept > 0 && kept <= cut, "the part is kept: " + kept + " of " + cut + " bytes");
        assertFalse(Files.exists(cache.resolve("models--org--tiny-sd/refs/main")), "not named a model while partial");

        hub.clearLog();
        HubDownloader.Result r = downloader(null).pipeline(REPO, "main", null);
        assertTrue(hub.requests().stream().anyMatch(q -> q.server().equals("cdn") && ("bytes=" + kept + "-").equals(q.range())
                && q.status() == 206), hub.requests().toString());
        assertFalse(Files.exists(part));
        assertEquals(filesOf(MODEL), filesOf(r.path()));
        assertTrue(java.util.Arrays.equals(Files.readAllBytes(MODEL.resolve(weights)), Files.readAllBytes(r.path().resolve(weights))));
    }

    @Test
    void aCorruptedBodyIsRefusedAndDeleted() throws Exception {
        for (String file : List.of("unet/diffusion_pytorch_model.safetensors", "unet/config.json")) {
            hub.corrupt(file);
            HubException e = assertThrows(HubException.class, () -> downloader(null).file(REPO, "main", file));
            assertEquals(HubException.Kind.CORRUPT, e.kind());
            assertTrue(e.getMessage().contains("is damaged") && e.getMessage().contains(file), e.getMessage());
            assertTrue(e.getMessage().contains(file.endsWith(".safetensors") ? "sha256" : "git sha1"), e.getMessage());
            Path snapshot = cache.resolve("models--org--tiny-sd/snapshots/" + FakeHub.commitOf(REPO));
            assertFalse(Files.exists(snapshot.resolve(file)));
            try (Stream<Path> blobs = Files.list(cache.resolve("models--org--tiny-sd/blobs"))) {
                assertEquals(List.of(), blobs.filter(p -> !p.getFileName().toString().startsWith(".")).toList());
            }
        }
    }

    @Test
    void aGatedRepoSaysWhatToAcceptAndWhereTheTokenGoes() throws Exception {
        hub.gated(REPO);
        HubException anonymous = assertThrows(HubException.class, () -> downloader(null).pipeline(REPO, "main", null));
        assertEquals(HubException.Kind.GATED, anonymous.kind());
        assertTrue(anonymous.getMessage().contains(hub.endpoint() + "/" + REPO), anonymous.getMessage());
        assertTrue(anonymous.getMessage().contains("HF_TOKEN"), anonymous.getMessage());
        HubException noAccess = assertThrows(HubException.class,
                () -> downloader(FakeHub.NO_ACCESS_TOKEN).pipeline(REPO, "main", null));
        assertEquals(HubException.Kind.GATED, noAccess.kind());
        assertTrue(noAccess.getMessage().contains("no access"), noAccess.getMessage());
        HubException bad = assertThrows(HubException.class, () -> downloader("hf_typo").pipeline(REPO, "main", null));
        assertEquals(HubException.Kind.BAD_TOKEN, bad.kind(), bad.getMessage());
        assertTrue(downloader(FakeHub.GOOD_TOKEN).pipeline(REPO, "main", null).path().resolve("model_index.json")
                .toFile().isFile());
    }

    @Test
    void missingRepoFileAndRevisionAreNamed() throws Exception {
        for (String token : new String[] {null, FakeHub.GOOD_TOKEN}) {
            HubException repo = assertThrows(HubException.class, () -> downloader(token).pipeline("org/absent", "main", null));
            assertEquals(HubException.Kind.REPO_NOT_FOUND, repo.kind());
            assertTrue(repo.getMessage().contains("org/absent") && repo.getMessage().contains("renamed"), repo.getMessage());
        }
        HubException file = assertThrows(HubException.class, () -> downloader(null).file(REPO, "main", "nope.safetensors"));
        assertEquals(HubException.Kind.FILE_NOT_FOUND, file.kind());
        assertTrue(file.getMessage().contains("nope.safetensors"), file.getMessage());
        HubException revision = assertThrows(HubException.class, () -> downloader(null).pipeline(REPO, "v9", null));
        assertEquals(HubException.Kind.REVISION_NOT_FOUND, revision.kind());
        assertTrue(revision.getMessage().contains("'v9'"), revision.getMessage());
        HubException variant = assertThrows(HubException.class, () -> downloader(null).pipeline(REPO, "main", "fp16"));
        assertEquals(HubException.Kind.NO_VARIANT, variant.kind());
    }

    @Test
    void aMissingFileAtACommitIsRecordedInNoExist() throws Exception {
        Map<String, byte[]> files = Map.of("model_index.json", "{\"_class_name\":\"X\",\"unet\":[\"diffusers\",\"U\"]}"
                .getBytes(StandardCharsets.UTF_8));
        hub.repo("org/empty", files);
        String commit = FakeHub.commitOf("org/empty");
        assertThrows(HubException.class, () -> downloader(null).file("org/empty", commit, "unet/config.json"));
        assertTrue(Files.isRegularFile(cache.resolve("models--org--empty/.no_exist/" + commit + "/unet/config.json")));
    }

    @Test
    void oneNamedFileOfTheRepo() throws Exception {
        hub.repo("org/single", Map.of("tiny.safetensors", Files.readAllBytes(Reference.resolve("tiny-models/sd1.safetensors"))));
        HubDownloader.Result r = downloader(null).file("org/single", "main", "tiny.safetensors");
        assertEquals(cache.resolve("models--org--single/snapshots/" + FakeHub.commitOf("org/single") + "/tiny.safetensors"),
                r.path());
        assertEquals(Files.size(Reference.resolve("tiny-models/sd1.safetensors")), Files.size(r.path()));
        HubException notPipeline = assertThrows(HubException.class, () -> downloader(null).pipeline("org/single", "main", null));
        assertTrue(notPipeline.getMessage().contains("--file"), notPipeline.getMessage());
    }

    /** A cache huggingface_hub wrote (built here by hand in its layout) is used without any request. */
    @Test
    void aCacheWrittenByHuggingfaceHubIsUsedWithoutARequest() throws Exception {
        String commit = "0123456789abcdef0123456789abcdef01234567";
        Path repoDir = cache.resolve("models--org--tiny-sd");
        for (String f : filesOf(MODEL)) {
            byte[] content = Files.readAllBytes(MODEL.resolve(f));
            String etag = FakeHub.isLfs(f, content) ? FakeHub.sha256(content) : FakeHub.gitSha1(content);
            Path blob = Files.createDirectories(repoDir.resolve("blobs")).resolve(etag);
            Files.write(blob, content);
            Path pointer = repoDir.resolve("snapshots/" + commit + "/" + f);
            Files.createDirectories(pointer.getParent());
            Files.createSymbolicLink(pointer, pointer.getParent().relativize(blob));
        }
        Files.createDirectories(repoDir.resolve("refs"));
        Files.writeString(repoDir.resolve("refs/main"), commit);
        HubDownloader.Result r = downloader(null).pipeline(REPO, "main", null);
        assertEquals(repoDir.resolve("snapshots/" + commit), r.path());
        assertTrue(r.alreadyCached());
        assertEquals(List.of(), hub.requests());
    }

    @Test
    void offlineMakesNoRequest() throws Exception {
        HubSettings offline = HubSettings.fromEnvironment(Map.of("HF_HUB_OFFLINE", "1", "HF_ENDPOINT",
                hub.endpoint().toString(), "HF_HUB_CACHE", cache.toString()), tmp.toString());
        assertTrue(offline.offline());
        HubException e = assertThrows(HubException.class,
                () -> new HubDownloader(offline, DownloadProgress.NONE).pipeline(REPO, "main", null));
        assertEquals(HubException.Kind.OFFLINE, e.kind());
        assertTrue(e.getMessage().contains("HF_HUB_OFFLINE"), e.getMessage());
        downloader(null).pipeline(REPO, "main", null);
        hub.clearLog();
        assertTrue(new HubDownloader(offline, DownloadProgress.NONE).pipeline(REPO, "main", null).alreadyCached());
        assertEquals(List.of(), hub.requests());
    }

    @Test
    void noNetworkSaysCachedModelsStillWork() throws Exception {
        int port;
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = socket.getLocalPort();
        }
        HubSettings down = new HubSettings(java.net.URI.create("http://127.0.0.1:" + port), null, cache, false);
        HubException e = assertThrows(HubException.class,
                () -> new HubDownloader(down, DownloadProgress.NONE).pipeline(REPO, "main", null));
        assertEquals(HubException.Kind.NETWORK, e.kind());
        assertTrue(e.getMessage().contains("cache still work"), e.getMessage());
    }

    @Test
    void anOldIdOfAKnownModelFindsItsCacheAndFallsBackToItsNewRepo() throws Exception {
        KnownModels.Model sd15 = KnownModels.all().stream().filter(m -> !m.oldIds().isEmpty()).findFirst().orElseThrow();
        String old = sd15.oldIds().get(0);
        hub.repo(sd15.id(), MODEL);
        HubDownloader.Result r = downloader(null).pipeline(old, "main", null);
        assertEquals(sd15.id(), r.repo());
        try (ModelFiles files = ModelLocator.open(old, ModelOptions.DEFAULT.withHubCache(cache))) {
            assertEquals(old, files.name());
        }
        hub.clearLog();
        assertTrue(downloader(null).pipeline(old, "main", null).alreadyCached());
        assertEquals(List.of(), hub.requests());
    }

    /** A renamed repo answers with relative redirects: followed on the Hub's host, with the token. */
    @Test
    void aRenamedRepoIsFollowedOnTheHubsHost() throws Exception {
        hub.renamed("olduser/tiny", REPO);
        HubDownloader.Result r = downloader(FakeHub.GOOD_TOKEN).pipeline("olduser/tiny", "main", null);
        assertEquals(filesOf(MODEL), filesOf(r.path()));
        assertTrue(hub.requests().stream().anyMatch(q -> q.status() == 307 && q.authorization() != null));
        assertTrue(hub.requests().stream().filter(q -> q.server().equals("cdn")).allMatch(q -> q.authorization() == null));
    }

    @Test
    void progressCountsTheBytesAndCancelKeepsThePart() throws Exception {
        String weights = "text_encoder/model.safetensors";
        List<String> started = new ArrayList<>();
        DownloadProgress cancelling = new DownloadProgress() {
            @Override
            public void startFile(String path, long size, long resumedFrom) {
                started.add(path);
            }

            @Override
            public boolean bytes(long done, long size) {
                return !started.get(started.size() - 1).equals(weights);
            }
        };
        HubException e = assertThrows(HubException.class,
                () -> new HubDownloader(settings(null), cancelling).pipeline(REPO, "main", null));
        assertEquals(HubException.Kind.CANCELLED, e.kind());
        String sha = FakeHub.sha256(Files.readAllBytes(MODEL.resolve(weights)));
        assertTrue(Files.size(cache.resolve("models--org--tiny-sd/blobs/" + sha + ".incomplete")) > 0);
        assertTrue(started.contains("model_index.json"));
        HubDownloader.Result r = downloader(null).pipeline(REPO, "main", null);
        assertEquals(filesOf(MODEL), filesOf(r.path()));
    }
}
