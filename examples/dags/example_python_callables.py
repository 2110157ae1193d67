"""Callables for example_python.yaml. The DAGs folder is on sys.path."""


def summarize(day, values):
    total = sum(values)
    print(f"summing {values} for {day}")
    return {"day": day, "total": total, "count": len(values)}
