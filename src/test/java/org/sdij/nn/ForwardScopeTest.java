package org.sdij.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ForwardScopeTest {

    @Test
    void blockClosesItsIntermediatesAtOnceAndRunClosesTheRestAtTheEnd() {
        try (NDManager caller = NDManager.newBaseManager(); NDManager weights = NDManager.newBaseManager()) {
            NDArray input = caller.ones(new Shape(4));
            NDArray weight = weights.ones(new Shape(4));
            int weightArrays = weights.getManagedArrays().size();
            List<NDArray> seen = new ArrayList<>();
            NDArray out = ForwardScope.runSingle(caller, temp -> {
                NDArray blockResult = ForwardScope.block(() -> {
                    NDArray fromWeights = weight.reshape(2, 2); // lands in the weights' manager
                    NDArray intermediate = input.mul(2);
                    seen.add(fromWeights);
                    seen.add(intermediate);
                    return intermediate.add(fromWeights.reshape(4));
                });
                assertTrue(seen.get(0).isReleased() && seen.get(1).isReleased(), "block intermediates closed on return");
                assertFalse(blockResult.isReleased());
                seen.add(blockResult);
                return blockResult.add(1);
            });
            assertTrue(seen.get(2).isReleased(), "the block's result is an intermediate of the pass");
            assertFalse(input.isReleased());
            assertSame(caller, out.getManager());
            assertEquals(4f, out.getFloat(0));
            assertEquals(weightArrays, weights.getManagedArrays().size());
        }
    }

    @Test
    void chunkedAttentionKeepsNoChunkAlive() {
        long limit = Ops.attentionChunkElements();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray q = m.randomNormal(new Shape(2, 64, 4));
            NDArray whole = Ops.attention(q, q, q, 0.5f, null);
            int before = m.getManagedArrays().size();
            Ops.setAttentionChunkElements(2 * 64 * 5); // 5 query rows per chunk
            NDArray chunked = Ops.attention(q, q, q, 0.5f, null);
            assertEquals(before + 1, m.getManagedArrays().size(), "only the output may remain");
            assertTrue(chunked.sub(whole).abs().max().getFloat() < 1e-6);
        } finally {
            Ops.setAttentionChunkElements(limit);
        }
    }
}
