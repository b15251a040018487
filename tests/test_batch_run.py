import mesa

from simulations.model import CustomerLifecycleModel


def test_model_works_with_mesa_batch_run():
    results = mesa.batch_run(
        CustomerLifecycleModel,
        parameters={"scenario": "retail", "customers": 300, "seed": [1, 2],
                    "policies__marketing__retention__targeting": ["none", "all"]},
        iterations=1, max_steps=5, number_processes=1, data_collection_period=-1, display_progress=False,
    )
    assert len(results) == 4
    assert {r["policies__marketing__retention__targeting"] for r in results} == {"none", "all"}
    assert all(r["Step"] == 5 and "profit" in r for r in results)
