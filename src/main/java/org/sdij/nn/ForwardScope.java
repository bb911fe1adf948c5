package org.sdij.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.function.Function;

/**
 * Runs one forward pass so that its intermediates are freed when it returns. An {@link NDScope} closes
 * every array created during the pass whatever its manager (an op's result joins its first operand's
 * manager, so ops on weights would otherwise leave arrays in the long-lived weights' manager); a
 * temporary sub-manager owns the constants the pass creates. Only the returned arrays survive,
 * attached to {@code owner}.
 */
public final class ForwardScope {
    private ForwardScope() {}

    public static NDList run(NDManager owner, Function<NDManager, NDList> pass) {
        try (NDManager temp = owner.newSubManager(); NDScope scope = new NDScope()) {
            NDList results = pass.apply(temp);
            for (NDArray result : results) {
                NDScope.unregister(result);
                result.attach(owner);
            }
            return results;
        }
    }

    public static NDArray runSingle(NDManager owner, Function<NDManager, NDArray> pass) {
        return run(owner, temp -> new NDList(pass.apply(temp))).singletonOrThrow();
    }
}
