package org.sdij.hub;

import java.io.IOException;

/**
 * A download that cannot go on, with a message that says what to do. The kind lets callers react (the
 * command line exits 130 on {@link Kind#CANCELLED}; tests check the cause without parsing words).
 */
public final class HubException extends IOException {

    public enum Kind {
        /** Gated repo and no token, or a token without access. */
        GATED,
        /** The token itself was refused. */
        BAD_TOKEN,
        /** No such repo, or private, or removed. */
        REPO_NOT_FOUND,
        REVISION_NOT_FOUND,
        /** The file is not in the repo at that revision. */
        FILE_NOT_FOUND,
        /** The repo has no weights of the variant asked for. */
        NO_VARIANT,
        /** HF_HUB_OFFLINE is set and the cache does not hold what is needed. */
        OFFLINE,
        /** The Hub cannot be reached. */
        NETWORK,
        /** The server answered, but not like the Hub (a proxy?), or with an unexpected status. */
        BAD_ANSWER,
        /** The connection ended before the whole file came; the part is kept and the next run resumes. */
        INCOMPLETE,
        /** The bytes do not hash to what the Hub announced; the part was deleted. */
        CORRUPT,
        DISK_FULL,
        /** The user stopped it; the part is kept and the next run resumes. */
        CANCELLED
    }

    private final Kind kind;

    public HubException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public HubException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
